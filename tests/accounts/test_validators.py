"""Every date a user can type is bounded by one validator, with the same years
in every form: a year-9999 application once made the stats page a 500."""

import datetime
import importlib

import pytest
from django import forms
from django.apps import apps
from django.core.exceptions import ValidationError
from django.urls import reverse

from accounts.validators import MAX_USER_DATE, MIN_USER_DATE, validate_user_date
from applications.models import Application

PROJECT_APPS = [
    config.name
    for config in apps.get_app_configs()
    if not config.name.startswith(("django.", "allauth", "crispy", "bootstrap", "csp"))
    and config.name not in {"django_htmx"}
]


def _all_form_classes() -> list[type[forms.BaseForm]]:
    # Importing every app's forms modules makes their classes subclasses of BaseForm.
    for app in PROJECT_APPS:
        for module in ("forms", "stats_forms", "overview_forms"):
            try:
                importlib.import_module(f"{app}.{module}")
            except ModuleNotFoundError as error:
                if error.name != f"{app}.{module}":
                    raise
    found, todo = set(), [forms.BaseForm]
    while todo:
        cls = todo.pop()
        for sub in cls.__subclasses__():
            if sub not in found:
                found.add(sub)
                todo.append(sub)
    return sorted(
        (cls for cls in found if cls.__module__.split(".")[0] in PROJECT_APPS),
        key=lambda cls: f"{cls.__module__}.{cls.__qualname__}",
    )


def _date_fields() -> list:
    """(the validators that run on it) for each date field of each form; a
    ModelForm's field is validated by its model field too."""
    found = []
    for cls in _all_form_classes():
        model = getattr(getattr(cls, "_meta", None), "model", None)
        for name, field in getattr(cls, "base_fields", {}).items():
            if not isinstance(field, forms.DateField | forms.DateTimeField):
                continue
            validators = list(field.validators)
            if model is not None and name in {f.name for f in model._meta.get_fields()}:
                validators += model._meta.get_field(name).validators
            found.append(pytest.param(validators, id=f"{cls.__module__}.{cls.__qualname__}.{name}"))
    return found


@pytest.mark.parametrize("day", [MIN_USER_DATE, MAX_USER_DATE, datetime.date(2026, 6, 1)])
def test_dates_within_the_bounds_pass(day):
    validate_user_date(day)
    validate_user_date(datetime.datetime.combine(day, datetime.time(12), tzinfo=datetime.UTC))


@pytest.mark.parametrize(
    "day",
    [
        datetime.date(1, 1, 1),
        datetime.date(1969, 12, 31),
        datetime.date(2101, 1, 1),
        datetime.date.max,
    ],
)
def test_dates_outside_the_bounds_are_refused(day):
    with pytest.raises(ValidationError) as caught:
        validate_user_date(day)
    assert caught.value.code == "date_out_of_range"


def _filtersets() -> list:
    import django_filters

    for app in PROJECT_APPS:
        try:
            importlib.import_module(f"{app}.filters")
        except ModuleNotFoundError as error:
            if error.name != f"{app}.filters":
                raise
    found, todo = [], [django_filters.FilterSet]
    while todo:
        cls = todo.pop()
        for sub in cls.__subclasses__():
            todo.append(sub)
            for name, filter_ in sub.base_filters.items():
                if isinstance(filter_, django_filters.DateFilter | django_filters.DateTimeFilter):
                    found.append(
                        pytest.param(
                            filter_.extra.get("validators", []),
                            id=f"{sub.__module__}.{sub.__qualname__}.{name}",
                        )
                    )
    return found


@pytest.mark.parametrize("validators", _filtersets())
def test_every_date_filter_is_bounded(validators):
    assert validate_user_date in validators


def test_there_are_date_fields_to_check():
    assert len(_date_fields()) >= 8


@pytest.mark.parametrize("validators", _date_fields())
def test_every_date_field_of_every_form_is_bounded(validators):
    assert validate_user_date in validators


@pytest.mark.django_db
@pytest.mark.parametrize("value", ["9999-12-31", "0001-01-01", "2101-01-01"])
def test_an_application_dated_out_of_bounds_is_refused_with_a_message(user_client, value):
    response = user_client.post(
        reverse("applications:create"),
        {"company_name": "Acme", "role": "Engineer", "applied_on": value, "stage": "20"},
    )
    assert response.status_code == 200
    assert b"Enter a date between 1970 and 2100" in response.content
    assert not Application.objects.exists()
