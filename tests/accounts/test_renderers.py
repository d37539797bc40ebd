"""FastFormRenderer writes Django's widget templates in Python: byte for byte
what the templates write, for every widget it takes, and the templates for the rest."""

import datetime

import pytest
from django import forms
from django.forms.renderers import DjangoTemplates
from django.utils.safestring import mark_safe

from accounts.renderers import FastFormRenderer, _fast
from applications.filters import ApplicationFilter
from contacts.filters import ContactFilter
from reminders.forms import NewContactFormSet, RejectionLogForm
from tests import factories


class CheckedRenderer(FastFormRenderer):
    """Renders every template both ways and keeps what each gave."""

    def __init__(self) -> None:
        super().__init__()
        self.templates = DjangoTemplates()
        self.rendered: list[tuple[str, str, str]] = []
        self.fast_names: set[str] = set()

    def render(self, template_name, context, request=None):
        expected = self.templates.render(template_name, context, request=request)
        if _fast(template_name, context) is not None:
            self.fast_names.add(template_name)
        got = super().render(template_name, context, request=request)
        self.rendered.append((template_name, expected, got))
        return got

    def assert_same(self) -> None:
        for template_name, expected, got in self.rendered:
            assert got == expected, template_name


class Widgets(forms.Form):
    text = forms.CharField(initial='a "quoted" <b>&</b>', help_text="help")
    safe = forms.CharField(initial=mark_safe("<i>kept</i>"))
    empty = forms.CharField(required=False, widget=forms.TextInput(attrs={"autofocus": True}))
    off = forms.CharField(required=False, widget=forms.TextInput(attrs={"hidden": False}))
    number = forms.IntegerField(initial=1234567, min_value=0)
    decimal = forms.DecimalField(initial="12.50")
    email = forms.EmailField(required=False)
    url = forms.URLField(required=False, assume_scheme="https")
    password = forms.CharField(widget=forms.PasswordInput(render_value=True), initial="s3cret")
    hidden = forms.CharField(widget=forms.HiddenInput, initial="h")
    date = forms.DateField(
        initial=datetime.date(2026, 3, 1), widget=forms.DateInput(attrs={"type": "date"})
    )
    when = forms.DateTimeField(initial=datetime.datetime(2026, 3, 1, 9, 30, tzinfo=datetime.UTC))
    time = forms.TimeField(initial=datetime.time(9, 30))
    search = forms.CharField(widget=forms.SearchInput, required=False)
    tel = forms.CharField(widget=forms.TelInput, required=False)
    color = forms.CharField(widget=forms.ColorInput, initial="#ff0000")
    checked = forms.BooleanField(initial=True)
    unchecked = forms.BooleanField(required=False)
    upload = forms.FileField(required=False)
    notes = forms.CharField(widget=forms.Textarea, initial="line one\n<line two>")
    blank_notes = forms.CharField(widget=forms.Textarea, required=False)
    choice = forms.ChoiceField(choices=[("", "---"), ("a", "A & <a>"), (1, 2)], initial=1)
    grouped = forms.ChoiceField(
        choices=[("Group <1>", [("x", "X"), ("y", "Y")]), ("z", "Z")], initial="y"
    )
    several = forms.MultipleChoiceField(choices=[("a", "A"), ("b", "B")], initial=["a", "b"])
    radio = forms.ChoiceField(choices=[("a", "A")], widget=forms.RadioSelect)
    boxes = forms.MultipleChoiceField(choices=[("a", "A")], widget=forms.CheckboxSelectMultiple)
    split = forms.SplitDateTimeField(required=False)


@pytest.mark.parametrize(
    "data",
    [None, {}, {"text": "x", "number": "no", "choice": "a", "notes": "<b>", "checked": "on"}],
)
def test_every_widget_renders_as_its_template(data):
    renderer = CheckedRenderer()
    form = Widgets(data, renderer=renderer)
    str(form)  # every field through its field template, with the form's errors if any
    for name in form.fields:
        str(form[name])
    renderer.assert_same()
    assert {
        "django/forms/widgets/text.html",
        "django/forms/widgets/select.html",
        "django/forms/widgets/textarea.html",
        "django/forms/widgets/checkbox.html",
        "django/forms/widgets/date.html",
    } <= renderer.fast_names


def test_a_form_of_hidden_fields_renders_as_its_template():
    renderer = CheckedRenderer()
    formset = NewContactFormSet(prefix="new_contact")
    management = formset.management_form
    management.renderer = renderer
    str(management)
    renderer.assert_same()
    assert "django/forms/div.html" in renderer.fast_names


def test_a_template_it_does_not_write_is_rendered_by_the_template():
    assert _fast("django/forms/widgets/radio.html", {"widget": {}}) is None
    assert _fast("django/forms/errors/list/ul.html", {"errors": ["x"], "error_class": "e"}) is None


@pytest.mark.django_db
@pytest.mark.parametrize(
    "data", [None, {}, {"company_name": "A", "stage_reached": "9", "received_on": "x"}]
)
def test_the_log_form_and_the_filters_render_as_their_templates(user, data):
    company = factories.CompanyFactory(user=user)
    factories.ContactFactory(user=user, company=company)
    factories.ApplicationFactory(user=user, company=company)
    renderer = CheckedRenderer()
    forms_to_render = [
        RejectionLogForm(data, user=user, renderer=renderer),
        ApplicationFilter(data or {}, user=user).form,
        ContactFilter(data or {}, user=user).form,
    ]
    for form in forms_to_render:
        form.renderer = renderer
        for name in form.fields:
            str(form[name])
        str(form.non_field_errors())
    renderer.assert_same()
    assert "django/forms/widgets/select.html" in renderer.fast_names


def test_the_project_renders_forms_with_it(settings):
    from django.forms.renderers import get_default_renderer

    assert isinstance(get_default_renderer(), FastFormRenderer)
