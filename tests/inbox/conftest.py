import pytest

from tests.factories import UserFactory


@pytest.fixture
def inbound_settings(settings):
    settings.AJAR_INBOUND_ADDRESS = "ajar@inbound.example.org"
    return settings


@pytest.fixture
def seeker(db):
    """The user whose address the fixture letters were forwarded from."""
    return UserFactory(email="seeker@example.com", time_zone="Europe/Paris")


def forwarded_to(raw: bytes, recipient: str) -> bytes:
    """A fixture letter with its To: header pointing at `recipient`."""
    return raw.replace(b"ajar+tok@inbound.example.org", recipient.encode())
