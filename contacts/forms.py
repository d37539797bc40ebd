"""Forms of the contacts pages. Every picker is scoped to the user's own rows:
another user's id is an invalid choice (a field error, nothing saved)."""

import datetime
from collections.abc import Iterable
from typing import Any, TypedDict

from django import forms
from django.urls import reverse_lazy
from django.utils.translation import gettext_lazy as _

from accounts.forms import IdsField
from accounts.models import User
from accounts.pickers import SearchCheckboxes, SearchSelect, SearchSelectMultiple
from accounts.text import squash_spaces
from accounts.timezones import user_today
from applications.forms import company_picker, model_choice
from applications.models import Application, Company
from contacts.models import Contact, Interaction, InteractionChannel


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(format="%Y-%m-%d", **kwargs)


def contact_label(contact: Contact) -> str:
    parts = [contact.get_role_display()]
    if contact.company is not None:
        parts.append(contact.company.name)
    return f"{contact.name} ({', '.join(parts)})"


class ContactChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Contact) -> str:
        return contact_label(obj)


class ContactIdsField(IdsField):
    def label_from_instance(self, obj: Contact) -> str:
        return contact_label(obj)


class ContactDetails(TypedDict):
    """A contact's own details, as contact_create and contact_update take them."""

    name: str
    company: Company | None
    role: str
    title: str
    email: str
    phone: str
    profile_url: str
    notes: str


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
            "applications": SearchCheckboxes(
                search_url=reverse_lazy("applications:options"),
                placeholder=_("Search your applications"),
            ),
        }
        field_classes = {"applications": IdsField}
        help_texts = {"email": _("Optional.")}

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        company = model_choice(self, "company")
        company.queryset = Company.objects.for_user(user)
        company.required = False
        company.empty_label = _("No company")
        applications = model_choice(self, "applications")
        applications.queryset = Application.objects.for_user(user).select_related("company")
        applications.required = False
        applications.help_text = _(
            "Tick each application where you met them; type in the box to find one "
            "that is not listed."
        )

    def clean_name(self) -> str:
        name = squash_spaces(self.cleaned_data["name"])
        if not name:
            raise forms.ValidationError(_("Give their name."))
        return name

    def details(self) -> ContactDetails:
        data = self.cleaned_data
        return ContactDetails(
            name=data["name"],
            company=data["company"],
            role=data["role"],
            title=data["title"],
            email=data["email"],
            phone=data["phone"],
            profile_url=data["profile_url"],
            notes=data["notes"],
        )


class ContactMergeForm(forms.Form):
    duplicate = ContactChoiceField(
        label=_("Duplicate to fold into this contact"),
        queryset=Contact.objects.none(),
        empty_label=_("Pick a contact"),
        widget=SearchSelect(
            search_url=reverse_lazy("contacts:options"), placeholder=_("Search your contacts")
        ),
    )

    def __init__(self, *args: Any, user: User, contact: Contact, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = model_choice(self, "duplicate")
        field.queryset = (
            Contact.objects.for_user(user).exclude(pk=contact.pk).select_related("company")
        )


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
        field_classes = {"contacts": ContactIdsField}

    def __init__(
        self, *args: Any, user: User, scope: Iterable[Contact] | None = None, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.user = user
        model_choice(self, "application").queryset = Application.objects.for_user(user)
        model_choice(self, "company").queryset = Company.objects.for_user(user)
        model_choice(self, "contact").queryset = Contact.objects.for_user(user)
        contacts = model_choice(self, "contacts")
        contacts.required = False
        # Any of the user's contacts is valid; the page offers the likely ones.
        contacts.queryset = Contact.objects.for_user(user).select_related("company")
        if scope is not None:
            contacts.widget.choices = [(c.pk, contact_label(c)) for c in scope]
        else:
            # Logged from nowhere in particular: any of the user's contacts, so a
            # search rather than a checkbox for each (5,000 of them were 1.3 MB).
            contacts.widget = SearchSelectMultiple(
                search_url=reverse_lazy("contacts:options"), placeholder=_("Search your contacts")
            )
            contacts.widget.choices = contacts.choices
        channel = self.fields["channel"]
        assert isinstance(channel, forms.ChoiceField)
        channel.choices = InteractionChannel.choices

    def clean_occurred_on(self) -> datetime.date:
        day = self.cleaned_data["occurred_on"]
        # "Last contacted" is derived from these dates: a future one would claim
        # a conversation that has not happened.
        if day > user_today(self.user):
            raise forms.ValidationError(_("That date is in the future."))
        return day

    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned = self.cleaned_data
        if not cleaned.get("contacts") and not (cleaned.get("new_contact") or "").strip():
            self.add_error("contacts", _("Pick at least one contact, or name someone new."))
        return cleaned
