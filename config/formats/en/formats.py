"""Ajar's one date style (FORMAT_MODULE_PATH): templates and code name these
formats ("DATE_FORMAT", ...) instead of writing their own."""

DATE_FORMAT = "j M Y"  # 9 Dec 2026
SHORT_DATE_FORMAT = "D j M Y"  # Wed 9 Dec 2026: a day the user acts on
DATETIME_FORMAT = "j M Y, H:i"  # 9 Dec 2026, 09:00
SHORT_DATETIME_FORMAT = "D j M Y, H:i"
MONTH_DAY_FORMAT = "j M"  # 9 Dec: chart axes
TIME_FORMAT = "H:i"
