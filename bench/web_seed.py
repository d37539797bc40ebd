"""Seeding for bench/web.py: accounts of any size in SQL, in seconds.

Each account is written by one `INSERT ... SELECT` per table over
`generate_series`, with explicit ids (an account's rows are contiguous), so
200,000 applications with their history take well under a minute. The shape
follows a long search: a third as many companies as applications; 57% of the
applications still open, 30% rejected (60% of those with a letter), 7% ghosted,
the rest withdrawn or offers; one stage event per stage reached; a reminder for
every rejected or ghosted application, in every status (due, upcoming, snoozed,
sending, sent, done, dismissed, failed, cancelled); a contact for every four
applications (linked to one, at its company) and as many conversations.
"""

import datetime
from dataclasses import dataclass

from django.db import connection, transaction

from reminders.models import ReminderSettings

ROLES = (
    "Software engineer",
    "Backend developer",
    "Data engineer",
    "Site reliability engineer",
    "Engineering manager",
    "Frontend developer",
    "Platform engineer",
)
LETTER = (
    "Dear candidate, thank you for the time you spent with our team over the last weeks. "
    "We were impressed by your background and enjoyed the conversations, but after careful "
    "consideration we have decided to move forward with another candidate whose experience "
    "more closely matches the current needs of the team. We would be glad to keep your "
    "details on file and encourage you to apply again for future openings. "
)


@dataclass(frozen=True)
class Account:
    user_id: int
    email: str
    applications: int
    first_application_id: int  # also the first company, contact, interaction id block


SEED_USER = """
INSERT INTO accounts_user (id, password, is_superuser, is_staff, is_active, date_joined,
                           name, email, time_zone, search_started_on)
VALUES (%(user)s, '!', false, false, true, %(now)s, %(name)s, %(email)s, 'Europe/Paris', NULL);
INSERT INTO account_emailaddress (email, verified, "primary", user_id)
VALUES (%(email)s, true, true, %(user)s);
"""

SEED_ROWS = """
INSERT INTO applications_company (id, name, website, notes, created_at, user_id)
SELECT %(base)s + g, 'Company ' || g || ' ' || substr(md5(g::text), 1, 6),
       'https://example.com/' || g, '', %(now)s - g * interval '1 minute', %(user)s
FROM generate_series(0, %(companies)s - 1) g;

INSERT INTO applications_application (id, role, job_url, job_description, source, location,
    salary_min, salary_max, salary_currency, applied_on, notes, current_stage, furthest_stage,
    outcome, outcome_on, created_at, updated_at, user_id, company_id)
SELECT %(base)s + g, (%(roles)s::text[])[1 + g %% 7] || ' ' || (g %% 97), '',
       'We are looking for someone to build things.',
       (ARRAY['referral', 'job_board', 'recruiter', 'company_site', 'networking', 'other'])
           [1 + g %% 6],
       (ARRAY['Paris', 'Berlin', 'Remote', 'London'])[1 + g %% 4], NULL, NULL, '',
       %(start)s::date + (g * 7919 %% %(days)s), '',
       stage, stage, outcome,
       CASE WHEN outcome = 'open' THEN NULL
            ELSE %(start)s::date + (g * 7919 %% %(days)s) + 21 END,
       %(now)s - (%(n)s - g) * interval '3 minutes', %(now)s - (%(n)s - g) * interval '3 minutes',
       %(user)s, %(base)s + g %% %(companies)s
FROM (
    SELECT g,
           CASE WHEN k < 57 THEN 'open' WHEN k < 87 THEN 'rejected' WHEN k < 94 THEN 'ghosted'
                WHEN k < 96 THEN 'withdrawn' WHEN k < 98 THEN 'offer_accepted'
                ELSE 'offer_declined' END AS outcome,
           CASE WHEN k >= 96 THEN 70
                ELSE (ARRAY[10, 20, 20, 20, 30, 30, 40, 40, 50, 60])[1 + (g * 13) %% 10] END
               AS stage
    FROM (SELECT g, (g * 37) %% 100 AS k FROM generate_series(0, %(n)s - 1) g) s
) t;

INSERT INTO applications_stageevent (application_id, stage, occurred_on, scheduled_at, note,
                                     created_at)
SELECT a.id, s.stage, a.applied_on + (s.stage / 10 - 1) * 4,
       CASE WHEN s.stage = 40 THEN (a.applied_on + 12) + time '10:00' END, '', a.created_at
FROM applications_application a
JOIN (VALUES (10), (20), (30), (40), (50), (60), (70)) s (stage)
  ON s.stage <= a.furthest_stage AND (s.stage >= 20 OR a.furthest_stage = 10)
WHERE a.user_id = %(user)s;

INSERT INTO applications_rejection (id, received_on, stage_reached, channel, letter_text,
    feedback, invited_to_reapply, created_at, updated_at, application_id, user_id)
SELECT a.id, a.outcome_on, a.furthest_stage,
       (ARRAY['letter', 'email', 'phone', 'portal'])[1 + a.id %% 4],
       CASE WHEN a.id %% 5 < 3 THEN %(letter)s || a.role || ' #' || a.id ELSE '' END,
       CASE WHEN a.id %% 7 = 0 THEN 'Strong technically; another candidate had more domain '
            || 'experience.' ELSE '' END,
       a.id %% 3 = 0, a.created_at, a.created_at, a.id, a.user_id
FROM applications_application a
WHERE a.user_id = %(user)s AND a.outcome = 'rejected';

INSERT INTO reminders_reminder (kind, counted_from, cooling_off_days, due_date, due_at, status,
    next_attempt_at, attempts, last_error, claim_token, claimed_at, lease_expires_at, sent_at,
    occurrence, snoozed_count, resolved_at, failure_acknowledged, created_at, updated_at,
    application_id, rejection_id, user_id, reapplication_id, step)
SELECT kind, counted_from, 30, counted_from + 30, due_at,
       status, due_at, CASE WHEN status = 'failed' THEN 6 ELSE 0 END,
       CASE WHEN status = 'failed' THEN '550 mailbox unavailable' ELSE '' END,
       CASE WHEN status = 'sending' THEN md5(id::text)::uuid END,
       CASE WHEN status = 'sending' THEN %(now)s END,
       CASE WHEN status = 'sending' THEN %(now)s + interval '10 minutes' END,
       CASE WHEN status IN ('sent', 'done', 'dismissed') THEN due_at END,
       1 + snoozed, snoozed, CASE WHEN status IN ('done', 'dismissed') THEN due_at END,
       status = 'failed' AND id %% 100 <> 3, created_at, created_at, id,
       CASE WHEN kind = 'rejected' THEN id END, %(user)s, NULL, 'circle_back'
FROM (
    SELECT a.id, a.created_at, a.outcome_on AS counted_from,
           CASE WHEN a.outcome = 'rejected' THEN 'rejected' ELSE 'ghosted' END AS kind,
           CASE WHEN k < 3 THEN 1 ELSE 0 END AS snoozed,
           -- Due (k 3-4) are past; upcoming and snoozed are future; the rest past.
           CASE WHEN k < 3 OR k >= 5 AND k < 8
                THEN %(now)s + (1 + a.id %% 60) * interval '1 day'
                ELSE (a.outcome_on + 30) + time '08:00' END AS due_at,
           CASE WHEN k < 3 THEN 'scheduled' WHEN k < 5 THEN 'scheduled'
                WHEN k < 8 THEN 'scheduled' WHEN k = 8 THEN 'sending' WHEN k < 11 THEN 'sent'
                WHEN k < 15 THEN 'done' WHEN k < 17 THEN 'dismissed' WHEN k < 19 THEN 'failed'
                ELSE 'cancelled' END AS status
    FROM (SELECT a.*, a.id %% 20 AS k FROM applications_application a
          WHERE a.user_id = %(user)s AND a.outcome IN ('rejected', 'ghosted')) a
) r;

INSERT INTO contacts_contact (id, name, role, title, email, phone, profile_url, notes,
                              created_at, user_id, company_id)
SELECT %(base)s + g, (ARRAY['Alex', 'Sam', 'Kim', 'Robin', 'Jo', 'Max'])[1 + g %% 6] || ' '
           || (ARRAY['Martin', 'Bernard', 'Dubois', 'Moreau', 'Laurent'])[1 + g %% 5] || ' '
           || g,
       (ARRAY['recruiter', 'hiring_manager', 'interviewer', 'referrer', 'employee', 'other'])
           [1 + g %% 6],
       'Engineer', 'person' || g || '@example.com', '', '', '', %(now)s, %(user)s,
       %(base)s + (4 * g) %% %(companies)s
FROM generate_series(0, %(contacts)s - 1) g;

INSERT INTO contacts_contact_applications (contact_id, application_id)
SELECT %(base)s + g, %(base)s + 4 * g FROM generate_series(0, %(contacts)s - 1) g;

INSERT INTO contacts_interaction (id, occurred_on, channel, summary, created_at, user_id,
                                  application_id)
SELECT %(base)s + g, a.applied_on + 10,
       (ARRAY['email', 'phone', 'video', 'in_person', 'linkedin', 'message'])[1 + g %% 6],
       'Talked about the team and the next steps.', %(now)s, %(user)s, a.id
FROM generate_series(0, %(contacts)s - 1) g
JOIN applications_application a ON a.id = %(base)s + 4 * g;

INSERT INTO contacts_interaction_contacts (interaction_id, contact_id)
SELECT %(base)s + g, %(base)s + g FROM generate_series(0, %(contacts)s - 1) g;
"""

SEQUENCES = (
    ("accounts_user", "id"),
    ("applications_company", "id"),
    ("applications_application", "id"),
    ("applications_rejection", "id"),
    ("contacts_contact", "id"),
    ("contacts_interaction", "id"),
)


def refresh_activity(user_id: int) -> None:
    """Each application's last news, search text and stats counters, as the services keep them
    (the rows above bypass them). Absent before the columns existed: the
    benchmark also runs on older code."""
    try:
        from applications.services import activity_expression
    except ImportError:
        return
    from applications.models import Application

    Application.objects.filter(user_id=user_id).update(last_activity_on=activity_expression())
    try:
        from applications.services import application_search_refresh
    except ImportError:
        return
    # The search text too, one batch of ids at a time (one UPDATE of 200,000
    # rows would hold their locks and their WAL at once).
    ids = list(Application.objects.filter(user_id=user_id).values_list("pk", flat=True))
    for start in range(0, len(ids), 20000):
        application_search_refresh(application_ids=ids[start : start + 20000])
    try:
        from applications.services import application_stats_refresh
    except ImportError:
        return
    # The stats page's counters: each application's keys, in batches.
    for start in range(0, len(ids), 5000):
        application_stats_refresh(application_ids=ids[start : start + 5000])


def wipe() -> None:
    with connection.cursor() as cursor:
        cursor.execute("TRUNCATE accounts_user, django_session RESTART IDENTITY CASCADE")


def seed(accounts: list[Account]) -> None:
    now = datetime.datetime.now(datetime.UTC)
    start = now.date() - datetime.timedelta(days=600)
    with transaction.atomic(), connection.cursor() as cursor:
        for account in accounts:
            n = account.applications
            cursor.execute(
                SEED_USER,
                {
                    "user": account.user_id,
                    "email": account.email,
                    "name": account.email.split("@")[0],
                    "now": now,
                },
            )
            cursor.execute(
                SEED_ROWS,
                {
                    "user": account.user_id,
                    "base": account.first_application_id,
                    "n": n,
                    "companies": max(n // 3, 1),
                    "contacts": max(n // 4, 1),
                    "roles": list(ROLES),
                    "start": start,
                    "days": 560,
                    "now": now,
                    "letter": LETTER,
                },
            )
            # Through the model, so every column added since has its default.
            ReminderSettings.objects.create(user_id=account.user_id, cooling_off_days=30)
            refresh_activity(account.user_id)
        for table, column in SEQUENCES:
            cursor.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', '{column}'), "
                f"(SELECT max({column}) FROM {table}))"
            )
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")


def accounts_for(large: int, medium: int, others: int, other_size: int) -> list[Account]:
    """The two measured accounts, then the others (whose rows surround theirs in
    every table and index, as on a shared server)."""
    sizes = [("bench-medium", medium), ("bench-large", large)]
    sizes += [(f"bench-other-{i}", other_size) for i in range(1, others + 1)]
    accounts, next_id = [], 1
    for user_id, (name, n) in enumerate(sizes, start=1):
        accounts.append(Account(user_id, f"{name}@example.com", n, next_id))
        next_id += n + 10
    return accounts
