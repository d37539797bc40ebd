"""Text clean-up every form and service shares."""


def squash_spaces(value: str, limit: int | None = None) -> str:
    """One space between words, none at the ends (pasted names carry tabs,
    newlines and doubled spaces), cut to `limit` characters."""
    squashed = " ".join(value.split())
    return squashed if limit is None else squashed[:limit]
