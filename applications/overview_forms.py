"""Forms of the board and the companies pages."""

from django import forms
from django.utils.translation import gettext_lazy as _

from applications.models import Company, Stage


class BoardMoveForm(forms.Form):
    stage = forms.TypedChoiceField(label=_("Move to"), choices=Stage.choices, coerce=int)


class CompanyRenameForm(forms.Form):
    name = forms.CharField(label=_("New name"), max_length=200)

    def clean_name(self):
        name = " ".join(self.cleaned_data["name"].split())
        if not name:
            raise forms.ValidationError(_("Name the company."))
        return name


class CompanyMergeForm(forms.Form):
    duplicate = forms.ModelChoiceField(
        label=_("Duplicate to fold into this company"),
        queryset=Company.objects.none(),
        empty_label=_("Pick a company"),
    )

    def __init__(self, *args, user, company, **kwargs):
        super().__init__(*args, **kwargs)
        # Another user's id is simply not a valid choice: a field error, nothing saved.
        self.fields["duplicate"].queryset = Company.objects.for_user(user).exclude(pk=company.pk)
