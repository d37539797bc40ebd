import hashlib

from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.validators import validate_user_date
from portability import formats
from portability.activity import MAX_DAYS
from portability.importing import ImportOptions, ImportPlan
from portability.models import UPLOAD_MAX_BYTES
from portability.reading import DELIMITERS, ENCODINGS

TARGET_CHOICES = [
    *((name, label) for name, label in formats.FIELDS.items()),
    (formats.KEEP_IN_NOTES, _("Keep in the notes")),
    (formats.DROP, _("Drop")),
]
STATUS_CHOICES = [("", _("Choose…"))] + [(t.key, t.label) for t in formats.STATUS_TARGETS.values()]


def status_field(word: str) -> str:
    """A status word's field name: stable for the word, whatever the file's order."""
    return "status_" + hashlib.sha256(word.encode()).hexdigest()[:12]


def preview_initial(plan: ImportPlan) -> dict:
    """The form as the plan read it, so the page shows what the import will do."""
    initial = {
        "preset": plan.preset.name,
        "mapped_preset": plan.preset.name,
        "encoding": plan.options.encoding or "",
        "delimiter": plan.options.delimiter or "",
        "date_order": plan.date_order,
        "old_rejections": plan.options.old_rejections,
        "skip_bad_rows": plan.options.skip_bad_rows,
    }
    initial.update({f"col_{i}": target for i, target in enumerate(plan.mapping)})
    initial.update({status_field(s.word): s.target for s in plan.statuses})
    return initial


class ImportUploadForm(forms.Form):
    file = forms.FileField(
        label=_("Spreadsheet"),
        help_text=_(
            "CSV, Excel .xlsx, or LinkedIn's data archive (.zip); at most 5 MB and 5,000 rows."
        ),
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > UPLOAD_MAX_BYTES:
            raise forms.ValidationError(_("The file is larger than 5 MB."))
        return upload


class ImportPreviewForm(forms.Form):
    """The choices of the mapping preview. Column and status fields are added
    for the file at hand; the rest has a default, so an empty form is valid."""

    preset = forms.ChoiceField(
        label=_("The file comes from"),
        required=False,
        choices=[("", _("Detect"))] + [(p.name, p.label) for p in formats.PRESETS.values()],
    )
    mapped_preset = forms.CharField(required=False, widget=forms.HiddenInput)
    encoding = forms.ChoiceField(
        label=_("Encoding"),
        required=False,
        choices=[("", _("Detect"))] + [(e, e) for e in ENCODINGS],
    )
    delimiter = forms.ChoiceField(
        label=_("Delimiter"),
        required=False,
        choices=[("", _("Detect"))] + [(d, name) for d, name in DELIMITERS.items()],
    )
    date_order = forms.ChoiceField(
        label=_("Dates such as 03/04/2026 are"),
        required=False,
        choices=[
            ("", _("Choose…")),
            ("mdy", _("month/day/year (3 April → 04/03)")),
            ("dmy", _("day/month/year (3 April → 03/04)")),
        ],
    )
    old_rejections = forms.ChoiceField(
        label=_("Old rejections whose cooling-off has passed"),
        required=False,
        initial="spread",
        widget=forms.RadioSelect,
        choices=[
            ("spread", _("Spread their circle-backs over the coming weeks")),
            ("skip", _("Skip their circle-backs")),
            ("keep", _("Make them all due now")),
        ],
    )
    skip_bad_rows = forms.BooleanField(
        label=_("Leave out the rows with errors and import the rest"), required=False
    )

    def __init__(self, *args, headers: list[str], status_words: list[str], **kwargs):
        super().__init__(*args, **kwargs)
        self.headers, self.status_words = headers, status_words
        for index, header in enumerate(headers):
            self.fields[f"col_{index}"] = forms.ChoiceField(
                label=header or _("Column %(n)s") % {"n": index + 1},
                choices=TARGET_CHOICES,
                required=False,
            )
        for word in status_words:
            self.fields[status_field(word)] = forms.ChoiceField(
                label=word, choices=STATUS_CHOICES, required=False
            )
        for field in self.fields.values():
            if isinstance(field.widget, forms.RadioSelect | forms.CheckboxInput):
                field.widget.attrs["class"] = "form-check-input"
            elif isinstance(field.widget, forms.Select):
                field.widget.attrs["class"] = "form-select form-select-sm"

    def options(self) -> ImportOptions:
        data = self.cleaned_data if self.is_bound and self.is_valid() else {}
        preset = data.get("preset", "")
        mapping = None
        if self.is_bound and data.get("mapped_preset", "") == preset:
            mapping = [data.get(f"col_{i}") or formats.DROP for i in range(len(self.headers))]
        statuses = {
            word: data[status_field(word)]
            for word in self.status_words
            if data.get(status_field(word))
        }
        return ImportOptions(
            preset=preset,
            encoding=data.get("encoding") or None,
            delimiter=data.get("delimiter") or None,
            mapping=mapping,
            statuses=statuses,
            date_order=data.get("date_order", ""),
            skip_bad_rows=bool(data.get("skip_bad_rows")),
            old_rejections=data.get("old_rejections") or "spread",
        )


class RestoreForm(forms.Form):
    file = forms.FileField(label=_("Backup (.zip)"))

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > 1024 * 1024 * 1024:
            raise forms.ValidationError(_("The backup is larger than 1 GB."))
        return upload


class AccountDeleteForm(forms.Form):
    password = forms.CharField(
        label=_("Your password"),
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user

    def clean_password(self):
        password = self.cleaned_data["password"]
        if not self.user.check_password(password):
            raise forms.ValidationError(_("That is not your password."))
        return password


class ActivityForm(forms.Form):
    start = forms.DateField(
        label=_("From"),
        widget=forms.DateInput(attrs={"type": "date"}),
        validators=[validate_user_date],
    )
    end = forms.DateField(
        label=_("To"),
        widget=forms.DateInput(attrs={"type": "date"}),
        validators=[validate_user_date],
    )

    def clean(self):
        data = super().clean()
        start, end = data.get("start"), data.get("end")
        if start and end:
            if end < start:
                raise forms.ValidationError(_("The end comes before the start."))
            if (end - start).days > MAX_DAYS:
                raise forms.ValidationError(_("Choose at most a year."))
        return data
