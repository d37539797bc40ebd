"""{% timeline_entries %} writes what the application page's template loop it
replaced wrote.

timeline_reference.html is that loop, kept as the reference: for an
application with every kind of entry (stage changes with and without an
interview time and a note, conversations with one and two people, the
rejection with its invitation, letter, files and feedback, the steps of its
cadence) and for one that never heard back, hostile text included, in a time
zone far from UTC, both render the same HTML, up to the amount of whitespace
between tags."""

import datetime
from pathlib import Path

import pytest
from django.template import engines
from django.utils import timezone

from applications.models import Stage
from applications.services import application_move
from reminders.services import rejection_log
from review import selectors
from tests.factories import (
    ApplicationFactory,
    AttachmentFactory,
    ContactFactory,
    ConversationFactory,
)

pytestmark = pytest.mark.django_db

REFERENCE = Path(__file__).with_name("timeline_reference.html").read_text()
HOSTILE = "<b>R&D</b> \"quoted\" 'single'"


def _words(html: str) -> str:
    return " ".join(html.split())


def _both(user, application) -> tuple[str, str]:
    application = selectors.application_for_detail(user=user, pk=application.pk)
    steps = selectors.steps_of(application)
    timeline = selectors.application_timeline(
        application,
        reminder=steps[-1] if steps else None,
        files=selectors.files_of(application),
        steps=steps,
    )
    context = {"timeline": timeline, "user": user}
    with timezone.override(user.zone):
        written = (
            engines["django"]
            .from_string("{% load timeline %}{% timeline_entries timeline user %}")
            .render(context)
        )
        reference = engines["django"].from_string(REFERENCE).render(context)
    return written, reference


def test_the_timeline_matches_the_template_loop_it_replaced(user):
    user.time_zone = "Pacific/Auckland"
    user.save(update_fields=["time_zone"])
    application = ApplicationFactory(user=user, role=HOSTILE)
    application_move(
        application=application, stage=Stage.SCREEN, occurred_on=datetime.date(2026, 1, 10)
    )
    application_move(
        application=application,
        stage=Stage.INTERVIEW,
        occurred_on=datetime.date(2026, 1, 20),
        # 23:30 UTC: the next day in Auckland.
        scheduled_at=datetime.datetime(2026, 1, 20, 23, 30, tzinfo=datetime.UTC),
        note=f"Panel\n{HOSTILE}",
    )
    writer = ContactFactory(user=user, company=application.company, name=f"{HOSTILE} Ada")
    other = ContactFactory(user=user, company=application.company, name="Grace")
    ConversationFactory(
        user=user,
        application=application,
        contacts=[writer, other],
        summary=f"Debrief {HOSTILE}",
        occurred_on=datetime.date(2026, 1, 21),
    )
    ConversationFactory(
        user=user,
        application=application,
        contacts=[other],
        summary="",
        occurred_on=datetime.date(2026, 1, 22),
    )
    result = rejection_log(
        user=user,
        application=application,
        stage_reached=Stage.INTERVIEW,
        received_on=datetime.date(2026, 2, 1),
        letter_text=f"We regret {HOSTILE}",
        feedback=f"More {HOSTILE}",
        invited_to_reapply=True,
        contacts=[writer],
        letter_writer=writer,
    )
    AttachmentFactory(user=user, rejection=result.rejection, filename=f"{HOSTILE}.pdf")
    AttachmentFactory(
        user=user,
        rejection=result.rejection,
        kind="enclosed",
        filename="notes.txt",
        data=b"x" * 5000,
    )
    written, reference = _both(user, application)
    kinds = ("stage", "interaction", "rejection", "reminder")
    for kind in kinds:
        assert f"timeline-{kind}" in reference
    assert reference.count("timeline-stage") == 3  # applied, screening, interview
    assert "add to calendar" in reference
    assert "2 files" in reference
    assert _words(written) == _words(reference)
    assert HOSTILE not in written
    assert "&lt;b&gt;R&amp;D&lt;/b&gt; &quot;quoted&quot; &#x27;single&#x27;" in written


def test_a_silence_and_a_single_file_match_too(user):
    application = ApplicationFactory(user=user)
    rejection_log(
        user=user,
        application=application,
        stage_reached=Stage.APPLIED,
        received_on=datetime.date(2026, 2, 1),
        ghosted=True,
    )
    written, reference = _both(user, application)
    assert "timeline-ghosted" in reference
    assert _words(written) == _words(reference)

    rejected = ApplicationFactory(user=user)
    result = rejection_log(
        user=user,
        application=rejected,
        stage_reached=Stage.APPLIED,
        received_on=datetime.date(2026, 2, 1),
    )
    AttachmentFactory(user=user, rejection=result.rejection)
    written, reference = _both(user, rejected)
    assert "1 file" in reference
    assert _words(written) == _words(reference)


def test_the_application_page_writes_its_timeline_with_the_tag(user_client, user):
    application = ApplicationFactory(user=user)
    events = list(application.events.all())
    page = user_client.get(application.get_absolute_url()).content.decode()
    assert page.count('<li class="timeline-entry timeline-stage">') == len(events)
    for event in events:
        assert f'href="/applications/events/{event.pk}/edit/"' in page
