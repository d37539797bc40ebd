import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.statements import sql_of
from applications.models import Stage
from applications.services import application_move
from reminders.services import rejection_log
from tests.factories import (
    ApplicationFactory,
    AttachmentFactory,
    CompanyFactory,
    ContactFactory,
    InteractionFactory,
    UserFactory,
)
from tests.pages import LIST

pytestmark = pytest.mark.django_db


def _list_queries(client, user, rows):
    companies = CompanyFactory.create_batch(3, user=user)
    for i in range(rows):
        ApplicationFactory(user=user, company=companies[i % 3])
    with CaptureQueriesContext(connection) as queries:
        assert client.get(LIST, {"outcome": "open"}).status_code == 200
    return len(queries)


def test_the_detail_page_shows_the_whole_timeline_and_the_people_met(user_client, user):
    application = ApplicationFactory(
        user=user, job_description="Build <b>things</b>", notes="<script>alert(1)</script>"
    )
    application_move(
        application=application,
        stage=Stage.INTERVIEW,
        occurred_on=datetime.date(2026, 1, 20),
        scheduled_at=datetime.datetime(2026, 1, 20, 14, 30, tzinfo=datetime.UTC),
    )
    contact = ContactFactory(user=user, company=application.company, name="Ada Lovelace")
    interaction = InteractionFactory(
        user=user,
        application=application,
        summary="Debrief",
        occurred_on=datetime.date(2026, 1, 21),
    )
    interaction.contacts.add(contact)
    rejection_log(
        user=user,
        application=application,
        stage_reached=Stage.INTERVIEW,
        received_on=datetime.date(2026, 2, 1),
        letter_text="We <em>regret</em> to inform you",
        contacts=[contact],
    )
    body = user_client.get(application.get_absolute_url()).content.decode()
    assert "Build &lt;b&gt;things&lt;/b&gt;" in body
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in body
    assert "<script>alert(1)" not in body
    assert "We &lt;em&gt;regret&lt;/em&gt; to inform you" in body
    assert "20 Jan 2026, 14:30" in body  # the interview's time
    assert "Debrief" in body
    assert "Rejected after Interview" in body
    assert "Circle back" in body
    assert "Scheduled" in body
    assert "Ada Lovelace" in body


def test_the_detail_page_lists_the_letter_and_the_files_with_it(user_client, user):
    letter = AttachmentFactory(user=user, filename="sorry.eml", content_type="message/rfc822")
    files = [letter] + [
        AttachmentFactory(
            user=user, rejection=letter.rejection, kind="enclosed", filename=f"page-{n}.pdf"
        )
        for n in range(3)
    ]
    url = letter.rejection.application.get_absolute_url()
    with CaptureQueriesContext(connection) as queries:
        body = user_client.get(url).content.decode()
    assert "4 files" in body
    for attachment in files:
        link = reverse("applications:attachment_download", args=[attachment.pk])
        assert f'href="{link}" download>{attachment.filename}</a>' in body
    assert body.index("sorry.eml") < body.index("page-0.pdf") < body.index("page-2.pdf")
    # One query for the files, however many: their bytes are not read.
    ran = (sql_of(q["sql"]) for q in queries)
    file_queries = [sql for sql in ran if '"applications_attachment"' in sql]
    assert len(file_queries) == 1
    assert '"applications_attachment"."data"' not in file_queries[0]


def test_the_detail_page_query_count_does_not_grow_with_the_history(client):
    def queries_for(events):
        user = UserFactory()
        client.force_login(user)
        application = ApplicationFactory(user=user)
        for _ in range(events):
            application_move(application=application, stage=Stage.SCREEN)
            interaction = InteractionFactory(user=user, application=application)
            contact = ContactFactory(user=user, company=application.company)
            interaction.contacts.add(contact)
            # The people met, listed beside the timeline.
            contact.applications.add(application)
        # The rejection and its circle-back are on the timeline too.
        rejection_log(user=user, application=application, stage_reached=Stage.SCREEN)
        with CaptureQueriesContext(connection) as queries:
            response = client.get(application.get_absolute_url())
        assert response.status_code == 200
        assert len(response.context["timeline"]) >= 2 * events + 2
        assert len(response.context["application"].contacts.all()) == events
        return len(queries)

    assert queries_for(2) == queries_for(20)


def _foreign_ids(user, other_user):
    mine = ApplicationFactory(user=user)
    theirs = ApplicationFactory(user=other_user)
    their_contact = ContactFactory(user=other_user, company=theirs.company)
    my_other_company_contact = ContactFactory(user=user)
    return mine, theirs, their_contact, my_other_company_contact


ODD_INPUTS = [
    "x" * 300,
    "y" * 150_000,
    "\x00",
    "zero\x00byte",
    "🙂" * 250,
    "مرحبا بالعالم",
    "\u202etxet desrever",
    "<script>alert('x')</script>",
    "' OR 1=1; --",
    "99999999999999999999999999",
    "-1",
    "\ud7ff\ue000\uffff",
]


def test_the_detail_page_reads_the_cadence_once_for_the_current_step_and_the_timeline(
    user_client, user
):
    application = ApplicationFactory(user=user)
    rejection_log(user=user, application=application, stage_reached=Stage.SCREEN)
    with CaptureQueriesContext(connection) as queries:
        response = user_client.get(application.get_absolute_url())
    assert response.context["reminder"] is not None
    assert [e.obj for e in response.context["timeline"] if e.kind == "reminder"]
    mine = f'"reminders_reminder"."application_id" = {application.pk}'
    assert sum(mine in sql_of(query["sql"]) for query in queries.captured_queries) == 1


def test_the_detail_page_read_once_compiled_serves_each_user_their_own(client):
    """The page's reads are compiled once a process (review.selectors): each
    request still reads its own user's application, steps, files and events."""
    pages = []
    for name in ("Ada", "Grace"):
        user = UserFactory()
        application = ApplicationFactory(user=user, role=f"Role of {name}")
        rejection_log(user=user, application=application, stage_reached=Stage.SCREEN)
        AttachmentFactory(user=user, rejection=application.rejection, filename=f"{name}.pdf")
        pages.append((user, application, name))
    for user, application, name in pages * 2:
        client.force_login(user)
        response = client.get(application.get_absolute_url())
        assert response.status_code == 200
        assert response.context["application"] == application
        rejection = next(e for e in response.context["timeline"] if e.kind == "rejection")
        assert [f.filename for f in rejection.extra["files"]] == [f"{name}.pdf"]
        html = response.content.decode()
        assert f"Role of {name}" in html
        assert f"{name}.pdf" in html
        assert response.context["reminder"].application_id == application.pk
        others = [a for u, a, _n in pages if u != user]
        assert client.get(others[0].get_absolute_url()).status_code == 404
