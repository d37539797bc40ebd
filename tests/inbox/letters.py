"""The letters under tests/inbox/letters/, read as bytes."""

from pathlib import Path

LETTERS = Path(__file__).resolve().parent / "letters"


def letter(name: str) -> bytes:
    return (LETTERS / name).read_bytes()
