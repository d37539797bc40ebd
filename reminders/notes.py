"""The user's circle-back note: a template with a few named placeholders.

Placeholders are replaced by a plain search, not str.format: a note template is
user input, and format() would let `{name.__class__}` reach into objects.
"""

import re

from django.utils.translation import gettext_lazy as _

PLACEHOLDERS = {
    "first_name": _("the insider's first name"),
    "name": _("the insider's full name"),
    "role": _("the role you applied for"),
    "company": _("the company"),
    "stage": _("how far the process got"),
    "my_name": _("your name"),
}

_PLACEHOLDER = re.compile(r"\{(\w*)\}")


def unknown_placeholders(template: str) -> list[str]:
    return sorted({m for m in _PLACEHOLDER.findall(template) if m not in PLACEHOLDERS})


def render_note(template: str, values: dict[str, str]) -> str:
    def replace(match: re.Match) -> str:
        key = match.group(1)
        return str(values.get(key, match.group(0))) if key in PLACEHOLDERS else match.group(0)

    return _PLACEHOLDER.sub(replace, template.replace("\r\n", "\n")).strip()


def first_name(name: str) -> str:
    parts = name.split()
    return parts[0] if parts else name


# The thank-you step's note: short, and asking for what would help next time.
THANK_YOU_NOTE = _("""Hi {first_name},

Thank you for letting me know, and for your time during the process for the \
{role} role. I enjoyed meeting the team at {company}.

If you have a moment, I would be grateful for any feedback on what would have \
made the difference. I'd love to stay in touch.

Best,
{my_name}""")
