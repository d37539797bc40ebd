"""Validators every app shares."""

import datetime

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

# Every date a user can type falls within these years, in every form and model:
# far enough back for any career, far enough ahead for any plan, and far from
# the ends of Python's calendar (year 1 or 9999 overflow once a zone or a week
# is added, and a span of millennia makes every per-week table enormous).
MIN_USER_DATE = datetime.date(1970, 1, 1)
MAX_USER_DATE = datetime.date(2100, 12, 31)


def validate_user_date(value: datetime.date | datetime.datetime | None) -> None:
    """A date (or the date of a datetime) within MIN_USER_DATE..MAX_USER_DATE."""
    if value is None:
        return
    day = value.date() if isinstance(value, datetime.datetime) else value
    if not MIN_USER_DATE <= day <= MAX_USER_DATE:
        raise ValidationError(
            _("Enter a date between %(min)s and %(max)s."),
            code="date_out_of_range",
            params={"min": MIN_USER_DATE.year, "max": MAX_USER_DATE.year},
        )
