from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from accounts.validators import validate_user_date
from applications.models import Application, Stage
from inbox.models import InboundMessage, Kind

MAX_FILES = 50
MAX_EML_BYTES = 25 * 1024 * 1024
MAX_MBOX_BYTES = 500 * 1024 * 1024
MAX_MBOX_MESSAGES = 20_000


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    def clean(self, data: Any, initial: Any = None) -> Any:
        if isinstance(data, list | tuple):
            return [super(MultipleFileField, self).clean(d, initial) for d in data]
        return super().clean(data, initial)


class UploadForm(forms.Form):
    letters = MultipleFileField(
        label=_("Email files (.eml) or one mailbox export (.mbox)"),
        widget=MultipleFileInput(attrs={"accept": ".eml,.mbox,message/rfc822,application/mbox"}),
        required=False,
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.uploads: list[Any] = []
        self.mbox: Any = None

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        uploads = self.files.getlist("letters") if self.files else []
        if not uploads:
            raise ValidationError(_("Choose one or more .eml files, or one .mbox file."))
        if len(uploads) > MAX_FILES:
            raise ValidationError(
                _("At most %(n)s files at once (or one mailbox export).") % {"n": MAX_FILES}
            )
        mboxes = [u for u in uploads if _is_mbox(u)]
        if mboxes and len(uploads) > 1:
            raise ValidationError(_("Upload one mailbox export on its own."))
        if mboxes:
            if (mboxes[0].size or 0) > MAX_MBOX_BYTES:
                raise ValidationError(_("The mailbox is too large: the limit is 500 MB."))
            self.mbox = mboxes[0]
            return data
        for upload in uploads:
            if (upload.size or 0) > MAX_EML_BYTES:
                raise ValidationError(
                    _("%(name)s is too large: the limit is 25 MB a message.")
                    % {"name": upload.name}
                )
        self.uploads = uploads
        return data


def _is_mbox(upload: Any) -> bool:
    name = (upload.name or "").lower()
    if name.endswith(".mbox"):
        return True
    head = upload.read(5)
    upload.seek(0)
    return head == b"From " and not name.endswith(".eml")


class DraftForm(forms.ModelForm):
    received_on = forms.DateField(
        label=_("Received on"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        validators=[validate_user_date],
    )

    class Meta:
        model = InboundMessage
        fields = ["company", "role", "received_on", "kind", "text"]
        widgets = {
            "text": forms.Textarea(attrs={"rows": 8}),
        }


NEW = "new"


class ConfirmForm(forms.Form):
    """Confirm a rejection: on the suggested application, or a new one."""

    stage_reached = forms.TypedChoiceField(
        label=_("How far it got"), choices=Stage.choices, coerce=int, initial=Stage.APPLIED
    )
    target = forms.ChoiceField(label=_("Log it on"), widget=forms.RadioSelect)

    def __init__(self, *args: Any, draft: InboundMessage, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.draft = draft
        choices = []
        suggested = draft.suggested_application
        if suggested is not None and suggested.is_open:
            choices.append((str(suggested.pk), _("%(app)s (suggested)") % {"app": suggested}))
            self.fields["stage_reached"].initial = suggested.current_stage
        label = _("A new application: %(role)s at %(company)s") % {
            "role": draft.role or _("(no role)"),
            "company": draft.company or _("(no company)"),
        }
        choices.append((NEW, label))
        target = self.fields["target"]
        assert isinstance(target, forms.ChoiceField)
        target.choices = choices
        self.fields["target"].initial = choices[0][0] if suggested is not None else NEW

    def application(self) -> Application | None:
        target = self.cleaned_data["target"]
        return None if target == NEW else self.draft.suggested_application

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("target") == NEW and not (self.draft.company and self.draft.role):
            raise ValidationError(_("Fill in the company and the role first (Edit)."))
        return data


__all__ = ["NEW", "ConfirmForm", "DraftForm", "Kind", "UploadForm"]
