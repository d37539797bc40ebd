"""accounts.models.ChoiceLabels: get_FOO_display() from a dict kept once a
process says what Django's own says, for every value, in every language, and
translates nothing on a later call."""

from unittest import mock

import pytest
from django.apps import apps
from django.db import models
from django.utils import translation

from accounts.models import ChoiceLabels


def _choice_fields():
    for model in apps.get_models():
        if issubclass(model, ChoiceLabels):
            for field in model._meta.concrete_fields:
                if field.choices:
                    yield model, field


FIELDS = list(_choice_fields())


def _enums():
    pending = list(models.Choices.__subclasses__())
    while pending:
        enum = pending.pop()
        pending.extend(enum.__subclasses__())
        yield enum


def test_the_hot_pages_models_have_their_labels_kept():
    # Their choices are enums, whose members the comparison below tries too.
    assert any(list(_enums()))
    assert {model.__name__ for model, _field in FIELDS} >= {
        "Application",
        "StageEvent",
        "Rejection",
        "Contact",
        "Interaction",
        "Reminder",
    }


@pytest.mark.parametrize("language", ["en-us", "fr", "de"])
@pytest.mark.parametrize(
    ("model", "field"), FIELDS, ids=[f"{m.__name__}.{f.name}" for m, f in FIELDS]
)
def test_each_label_is_djangos(model, field, language):
    values_of_field = [value for value, _label in field.flatchoices]
    enum_members = next(
        (list(enum) for enum in _enums() if [m.value for m in enum] == values_of_field), []
    )
    # Each value, as stored and as an enum member (as code assigns them), a
    # value the choices lack, and none.
    values = [
        *values_of_field,
        *enum_members,
        "no-such-value",
        10_001,
        None,
    ]
    with translation.override(language):
        for value in values:
            instance = model(**{field.attname: value})
            display = getattr(instance, f"get_{field.name}_display")()
            assert display == models.Model._get_FIELD_display(instance, field), value
            assert type(display) is type(models.Model._get_FIELD_display(instance, field))


def test_a_label_is_translated_once_a_process():
    model, field = next((m, f) for m, f in FIELDS if m.__name__ == "Application")
    instance = model(**{field.attname: field.flatchoices[0][0]})
    getattr(instance, f"get_{field.name}_display")()
    real = translation._trans.gettext
    with mock.patch.object(translation._trans, "gettext", side_effect=real) as gettext:
        for _ in range(5):
            getattr(instance, f"get_{field.name}_display")()
        assert gettext.call_count == 0
        models.Model._get_FIELD_display(instance, field)
        # Django's own translates each label of the field on every call.
        assert gettext.call_count >= len(field.flatchoices)
