"""Forms of the contacts pages. Every picker is scoped to the user's own rows:
another user's id is an invalid choice (a field error, nothing saved)."""

from django import forms
from django.urls import reverse_lazy
from django.utils.translation import gettext_lazy as _

from accounts.forms import IdsField
from accounts.pickers import SearchSelect, SearchSelectMultiple
from accounts.timezones import user_today
from applications.forms import company_picker
from applications.models import Application, Company
from contacts.models import Contact, ContactRole, Interaction, InteractionChannel

CONTACTED_CHOICES = [
    ("", _("Any time")),
    ("30", _("In the last 30 days")),
    ("90", _("In the last 90 days")),
    ("stale", _("More than 90 days ago")),
    ("never", _("Never")),
]


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%d", **kwargs)


def contact_label(contact: Contact) -> str:
    parts = [contact.get_role_display()]
    if contact.company_id:
        parts.append(contact.company.name)
    return f"{contact.name} ({', '.join(parts)})"


class ContactFilterForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False, max_length=200)
    company = forms.ModelChoiceField(
        label=_("Company"),
        queryset=Company.objects.none(),
        required=False,
        empty_label=_("Any"),
        widget=company_picker(),
    )
    role = forms.ChoiceField(
        label=_("Role in the process"),
        choices=[("", _("Any")), *ContactRole.choices],
        required=False,
    )
    contacted = forms.ChoiceField(
        label=_("Last contacted"), choices=CONTACTED_CHOICES, required=False
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["company"].queryset = Company.objects.for_user(user)
        self.fields["company"].widget.attrs["class"] = "form-select form-select-sm"


class ContactForm(forms.ModelForm):
    profile_url = forms.URLField(
        label=_("Profile URL"), required=False, max_length=500, assume_scheme="https"
    )

    class Meta:
        model = Contact
        fields = [
            "name",
            "company",
            "role",
            "title",
            "email",
            "phone",
            "profile_url",
            "applications",
            "notes",
        ]
        widgets = {
            "notes": forms.Textarea(attrs={"rows": 3}),
            "company": company_picker(),
            "applications": SearchSelectMultiple(
                search_url=reverse_lazy("applications:options"),
                placeholder=_("Search your applications"),
            ),
        }
        field_classes = {"applications": IdsField}
        help_texts = {"email": _("Optional.")}

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["company"].queryset = Company.objects.for_user(user)
        self.fields["company"].required = False
        self.fields["company"].empty_label = _("No company")
        applications = self.fields["applications"]
        applications.queryset = Application.objects.for_user(user).select_related("company")
        applications.required = False
        applications.help_text = _(
            "The applications where you met them: search, then pick. Hold Ctrl (⌘ on a Mac) "
            "to pick several."
        )

    def clean_name(self):
        name = " ".join(self.cleaned_data["name"].split())
        if not name:
            raise forms.ValidationError(_("Give their name."))
        return name


class ContactMergeForm(forms.Form):
    duplicate = forms.ModelChoiceField(
        label=_("Duplicate to fold into this contact"),
        queryset=Contact.objects.none(),
        empty_label=_("Pick a contact"),
        widget=SearchSelect(
            search_url=reverse_lazy("contacts:options"), placeholder=_("Search your contacts")
        ),
    )

    def __init__(self, *args, user, contact, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["duplicate"]
        field.queryset = (
            Contact.objects.for_user(user).exclude(pk=contact.pk).select_related("company")
        )
        field.label_from_instance = contact_label


class InteractionForm(forms.ModelForm):
    """A conversation with one or more contacts, and possibly someone new."""

    new_contact = forms.CharField(
        label=_("Someone not in your contacts yet"),
        required=False,
        max_length=200,
        help_text=_("Their name: they are added to your contacts."),
    )
    # Where the conversation was logged from: they narrow the contacts offered.
    company = forms.ModelChoiceField(
        queryset=Company.objects.none(), required=False, widget=forms.HiddenInput
    )
    contact = forms.ModelChoiceField(
        queryset=Contact.objects.none(), required=False, widget=forms.HiddenInput
    )

    class Meta:
        model = Interaction
        fields = ["occurred_on", "channel", "contacts", "new_contact", "summary", "application"]
        widgets = {
            "occurred_on": DateInput(),
            "contacts": forms.CheckboxSelectMultiple,
            "summary": forms.Textarea(attrs={"rows": 2}),
            "application": forms.HiddenInput,
        }
        labels = {"contacts": _("With")}
        field_classes = {"contacts": IdsField}

    def __init__(self, *args, user, scope=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.fields["application"].queryset = Application.objects.for_user(user)
        self.fields["company"].queryset = Company.objects.for_user(user)
        self.fields["contact"].queryset = Contact.objects.for_user(user)
        contacts = self.fields["contacts"]
        contacts.required = False
        # Any of the user's contacts is valid; the page offers the likely ones.
        contacts.queryset = Contact.objects.for_user(user).select_related("company")
        if scope is not None:
            contacts.widget.choices = [(c.pk, contact_label(c)) for c in scope]
        else:
            # Logged from nowhere in particular: any of the user's contacts, so a
            # search rather than a checkbox for each (5,000 of them were 1.3 MB).
            contacts.label_from_instance = contact_label
            contacts.widget = SearchSelectMultiple(
                search_url=reverse_lazy("contacts:options"), placeholder=_("Search your contacts")
            )
            contacts.widget.choices = contacts.choices
        self.fields["channel"].choices = InteractionChannel.choices

    def clean_occurred_on(self):
        day = self.cleaned_data["occurred_on"]
        # "Last contacted" is derived from these dates: a future one would claim
        # a conversation that has not happened.
        if day > user_today(self.user):
            raise forms.ValidationError(_("That date is in the future."))
        return day

    def clean(self):
        cleaned = super().clean()
        if not cleaned.get("contacts") and not (cleaned.get("new_contact") or "").strip():
            self.add_error("contacts", _("Pick at least one contact, or name someone new."))
        return cleaned
