"""`bootstrap_field` lays a field out as crispy's `as_crispy_field` does, and
`bootstrap_form` a form as `|crispy` does: the same HTML, whitespace aside, for
every field of the forms whose pages use them."""

import datetime
import re

import pytest
from crispy_forms.templatetags.crispy_forms_filters import as_crispy_field, as_crispy_form
from django import forms
from django.core.files.uploadedfile import SimpleUploadedFile

from accounts.fields import bootstrap_field, bootstrap_form
from applications.filters import ApplicationFilter
from applications.forms import StageEventForm
from contacts.forms import InteractionForm
from reminders.forms import NewContactFormSet, RejectionLogForm
from review.forms import SearchStartForm, StatsFilterForm
from tests import factories


def _squeezed(html: str) -> str:
    """Whitespace as a browser reads it between and around elements: any run is one space."""
    return re.sub(r"\s+", " ", str(html)).strip()


def assert_same_fields(make_form) -> int:
    """Render each field of two forms built alike, one through crispy, the
    other through bootstrap_field (both change the widgets' classes)."""
    crispy_form, fast_form = make_form(), make_form()
    for name in crispy_form.fields:
        expected = _squeezed(as_crispy_field(crispy_form[name]))
        assert _squeezed(bootstrap_field(fast_form[name])) == expected, name
        # A second render of the same field (its widget's classes already set).
        assert _squeezed(bootstrap_field(fast_form[name])) == expected, name
    return len(crispy_form.fields)


class Everything(forms.Form):
    required_css_class = "needed"
    error_css_class = "wrong"

    text = forms.CharField(help_text="Say <b>it</b>", max_length=5)
    optional = forms.CharField(required=False, label="Not <needed>")
    unlabelled = forms.CharField(required=False, label="")
    number = forms.IntegerField(min_value=1)
    when = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))
    choice = forms.ChoiceField(choices=[("a", "A & a"), ("b", "B")])
    grouped = forms.ChoiceField(choices=[("Group", [("x", "X"), ("y", "Y")]), ("z", "Z")])
    notes = forms.CharField(widget=forms.Textarea(attrs={"rows": 2, "class": "mono"}))
    agree = forms.BooleanField(help_text="Tick it")
    maybe = forms.BooleanField(required=False)
    upload = forms.FileField(required=False, widget=forms.FileInput(attrs={"accept": ".eml"}))
    hidden = forms.CharField(widget=forms.HiddenInput, required=False)
    disabled = forms.CharField(disabled=True, required=False, initial="kept")
    radio = forms.ChoiceField(choices=[("1", "One")], widget=forms.RadioSelect, required=False)
    boxes = forms.MultipleChoiceField(
        choices=[("1", "One"), ("2", "Two <2>")],
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text="Any of them",
    )
    grouped_boxes = forms.MultipleChoiceField(
        choices=[("Group & co", [("g1", "G1"), ("g2", "G2")]), ("solo", "Solo")],
        widget=forms.CheckboxSelectMultiple(attrs={"data-x": "y"}),
    )
    radio_needed = forms.TypedChoiceField(
        choices=[(1, "One"), (2, "Two")], coerce=int, widget=forms.RadioSelect
    )

    def clean(self):
        if self.data.get("text") == "clash":
            raise forms.ValidationError(["Not with <that>.", "Nor this."])
        return super().clean()


@pytest.mark.parametrize(
    "data",
    [
        None,
        {},
        {"text": "far too long", "number": "0", "choice": "nope", "notes": "<script>"},
        {
            "text": "ok",
            "number": "3",
            "choice": "a",
            "grouped": "x",
            "notes": "a\nb",
            "agree": "on",
            "boxes": ["1", "2"],
            "grouped_boxes": ["g2", "solo"],
            "radio_needed": "2",
        },
        {"text": "clash", "grouped_boxes": ["nope"], "radio_needed": "9"},
    ],
)
def test_every_kind_of_field_is_laid_out_as_crispy_does(data):
    files = {"upload": SimpleUploadedFile("a.txt", b"x")} if data else None
    assert assert_same_fields(lambda: Everything(data, files)) == len(Everything.base_fields)


def assert_same_form(make_form) -> None:
    """A whole form through `|crispy` and through bootstrap_form."""
    expected = _squeezed(as_crispy_form(make_form()))
    assert _squeezed(bootstrap_form(make_form())) == expected
    assert "<strong>" in expected or "<label" in expected


@pytest.mark.parametrize(
    "data", [None, {}, {"text": "clash", "number": "2", "choice": "a", "radio_needed": "1"}]
)
def test_a_whole_form_is_laid_out_as_crispy_does(data):
    assert_same_form(lambda: Everything(data))


def test_a_form_error_is_shown_above_the_fields():
    html = str(bootstrap_form(Everything({"text": "clash"})))
    assert html.index("Not with &lt;that&gt;.") < html.index('id="div_id_text"')
    assert "Nor this." in html


def test_a_file_field_with_an_error_is_laid_out_as_crispy_does():
    class Upload(forms.Form):
        upload = forms.FileField()

    assert_same_fields(lambda: Upload({}, {}))


@pytest.mark.django_db
@pytest.mark.parametrize(
    "data",
    [
        None,
        {},
        {"company_name": "Acme", "role": "x" * 500, "stage_reached": "99", "received_on": "x"},
    ],
)
def test_the_log_rejection_form_is_laid_out_as_crispy_does(user, data):
    company = factories.CompanyFactory(user=user)
    factories.ContactFactory(user=user, company=company)
    factories.ApplicationFactory(user=user, company=company)
    assert assert_same_fields(lambda: RejectionLogForm(data, user=user)) > 10


@pytest.mark.django_db
@pytest.mark.parametrize(
    "data",
    [
        None,
        {
            "new_contact-TOTAL_FORMS": "1",
            "new_contact-INITIAL_FORMS": "0",
            "new_contact-0-name": "",
            "new_contact-0-email": "not an address",
        },
    ],
)
def test_the_new_contact_rows_are_laid_out_as_crispy_does(data):
    def row():
        formset = NewContactFormSet(data, prefix="new_contact")
        return formset.forms[0] if data else formset.empty_form

    assert assert_same_fields(row) == 4


@pytest.mark.django_db
@pytest.mark.parametrize(
    "data", [{}, {"q": "a", "stage": "x", "company": "12", "applied_from": "y"}]
)
def test_the_applications_filters_are_laid_out_as_crispy_does(user, data):
    factories.CompanyFactory(user=user)
    assert assert_same_fields(lambda: ApplicationFilter(data, user=user).form) == 7


@pytest.mark.django_db
@pytest.mark.parametrize(
    "data",
    [
        None,
        {"occurred_on": "2999-01-01", "channel": "fax", "contacts": ["x"], "summary": "s"},
    ],
)
def test_the_log_conversation_form_is_laid_out_as_crispy_does(user, data):
    company = factories.CompanyFactory(user=user)
    application = factories.ApplicationFactory(user=user, company=company)
    scope = [factories.ContactFactory(user=user, company=company) for _ in range(3)]

    def form():
        return InteractionForm(
            data,
            user=user,
            scope=scope,
            initial={"application": application, "contacts": [scope[1].pk]},
            auto_id="log_%s",
        )

    assert assert_same_fields(form) == 8
    assert_same_form(form)


@pytest.mark.django_db
@pytest.mark.parametrize("data", [None, {"stage": "99", "occurred_on": "no"}])
def test_the_move_form_is_laid_out_as_crispy_does(user, data):
    assert assert_same_fields(lambda: StageEventForm(data, user=user, initial={"stage": 2})) == 4


@pytest.mark.parametrize(
    "data",
    [None, {"applied_from": "2026-05-02", "applied_to": "2026-05-01", "source": "nowhere"}],
)
def test_the_stats_forms_are_laid_out_as_crispy_does(data):
    today = datetime.date(2026, 6, 1)
    assert assert_same_fields(lambda: StatsFilterForm(data)) == 4
    start = {"search_started_on": "2027-01-01"} if data else None
    assert assert_same_fields(lambda: SearchStartForm(start, today=today)) == 1
