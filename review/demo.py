"""The demo account: a job search in full swing, in every state Ajar knows.

Loading is idempotent: the demo user's rows are replaced, so a second load
gives the same picture, with a few circle-backs due 30 to 90 seconds later.
"""

import datetime
import random
import uuid

from allauth.account.models import EmailAddress
from django.db import transaction
from django.utils import timezone

from accounts.models import User
from accounts.timezones import user_today
from applications.models import Channel, Company, Outcome, Source, Stage
from applications.services import application_create, application_move
from contacts.models import Contact, ContactRole, InteractionChannel
from contacts.services import interaction_log
from reminders.cadence import cadence_advance, cadence_next
from reminders.models import Reminder, ReminderStatus
from reminders.services import (
    NewContact,
    application_outcome_record,
    rejection_log,
    reminder_settings_get,
)

DEMO_EMAIL = "demo@ajar.localhost"
DEMO_PASSWORD = "ajar-demo-2026"  # noqa: S105 -- the documented demo login

COMPANIES = [
    "Brightwave Analytics", "Copperleaf Labs", "Driftwood Health", "Evergreen Energy",
    "Foxglove Finance", "Granite Logistics", "Harbor & Pine", "Ironbark Software",
    "Juniper Mobility", "Kestrel Robotics", "Lumen Learning", "Meridian Maps",
    "Northstar Retail", "Oakridge Bio", "Parallax Games",
]  # fmt: skip
ROLES = [
    "Backend Engineer", "Senior Python Developer", "Data Engineer", "Platform Engineer",
    "Full-stack Developer", "Site Reliability Engineer", "Engineering Manager",
    "Developer Advocate", "Machine Learning Engineer", "Staff Engineer",
]  # fmt: skip
PEOPLE = [
    ("Maya Okafor", ContactRole.RECRUITER), ("Liam Chen", ContactRole.HIRING_MANAGER),
    ("Sofia Rossi", ContactRole.INTERVIEWER), ("Noah Schmidt", ContactRole.REFERRER),
    ("Aisha Khan", ContactRole.INTERVIEWER), ("Lucas Silva", ContactRole.EMPLOYEE),
    ("Emma Dubois", ContactRole.RECRUITER), ("Kenji Sato", ContactRole.HIRING_MANAGER),
    ("Zara Ahmed", ContactRole.INTERVIEWER), ("Oliver Brown", ContactRole.RECRUITER),
]  # fmt: skip
LETTER = (
    "Dear {name},\n\nThank you for the time you spent with our team on the {role} "
    "role. It was a difficult decision, and we have decided to move forward with "
    "another candidate whose experience matches our current needs a little more "
    "closely.\n\nWe were impressed by your {strength}, and we would be glad to hear "
    "from you again for future openings.\n\nKind regards,\n{sender}\n{company}"
)
STRENGTHS = ["system design", "pairing session", "clear communication", "take-home project"]

# Where each of the 40 applications ends: the stage reached and the outcome.
PLAN = (
    [(Stage.SAVED, Outcome.OPEN)] * 3
    + [(Stage.APPLIED, Outcome.OPEN)] * 6
    + [(Stage.SCREEN, Outcome.OPEN)] * 4
    + [(Stage.INTERVIEW, Outcome.OPEN)] * 3
    + [(Stage.ONSITE, Outcome.OPEN)] * 2
    + [(Stage.FINAL_ROUND, Outcome.OPEN)] * 1
    + [(Stage.OFFER, Outcome.OPEN)] * 1
    + [(Stage.SCREEN, Outcome.REJECTED)] * 3
    + [(Stage.INTERVIEW, Outcome.REJECTED)] * 3
    + [(Stage.ONSITE, Outcome.REJECTED)] * 2
    + [(Stage.FINAL_ROUND, Outcome.REJECTED)] * 4
    + [(Stage.APPLIED, Outcome.GHOSTED)] * 2
    + [(Stage.SCREEN, Outcome.GHOSTED)] * 1
    + [(Stage.OFFER, Outcome.OFFER_DECLINED)] * 1
    + [(Stage.INTERVIEW, Outcome.WITHDRAWN)] * 1
    + [(Stage.OFFER, Outcome.OFFER_ACCEPTED)] * 1
    + [(Stage.INTERVIEW, Outcome.OPEN)] * 2
)

# The circle-backs, in order of logging, and the state each is put in.
REMINDER_STATES = [
    "due_soon", "due_soon", "due_soon", ReminderStatus.SENT, ReminderStatus.DONE,
    ReminderStatus.DISMISSED, ReminderStatus.FAILED, ReminderStatus.CANCELLED,
    ReminderStatus.SENDING, "upcoming", "upcoming", "upcoming", "upcoming", "upcoming",
    "due_in_app",
]  # fmt: skip

# Shares of the demo's contacts without an address, and of rejections that invite
# a new application.
SHARE_WITHOUT_EMAIL = 0.2
SHARE_INVITED_TO_REAPPLY = 0.5


def _reset_user() -> User:
    User.objects.filter(email=DEMO_EMAIL).delete()
    user = User.objects.create_user(
        email=DEMO_EMAIL, password=DEMO_PASSWORD, name="Alex Demo", time_zone="Europe/London"
    )
    EmailAddress.objects.create(user=user, email=DEMO_EMAIL, primary=True, verified=True)
    reminder_settings_get(user=user)
    return user


def _apply_state(reminder: Reminder, state, now, rng) -> None:
    fields = {}
    if state == "due_soon":
        due = now + datetime.timedelta(seconds=rng.randint(30, 90))
        fields = {"due_at": due, "next_attempt_at": due, "due_date": due.date()}
    elif state == "due_in_app":
        due = now - datetime.timedelta(days=2)
        fields = {"due_at": due, "next_attempt_at": due, "due_date": due.date()}
    elif state == ReminderStatus.SENT:
        fields = {"status": state, "sent_at": now - datetime.timedelta(days=3), "attempts": 1}
    elif state in (ReminderStatus.DONE, ReminderStatus.DISMISSED):
        fields = {
            "status": state,
            "sent_at": now - datetime.timedelta(days=10),
            "resolved_at": now - datetime.timedelta(days=8),
            "attempts": 1,
        }
    elif state == ReminderStatus.FAILED:
        fields = {
            "status": state,
            # Seeded, not a failure of this host's mail: shown on the Reminders
            # page, without the banner on every page.
            "failure_acknowledged": True,
            "attempts": 6,
            "last_error": "550 5.1.1 The email account that you tried to reach does not exist.",
        }
    elif state == ReminderStatus.CANCELLED:
        fields = {"status": state, "resolved_at": now - datetime.timedelta(days=1)}
    elif state == ReminderStatus.SENDING:
        # A claim whose worker died: the next sweep reclaims and sends it.
        fields = {
            "status": state,
            "claim_token": uuid.uuid4(),
            "claimed_at": now - datetime.timedelta(minutes=15),
            "lease_expires_at": now - datetime.timedelta(minutes=5),
            "due_at": now - datetime.timedelta(minutes=16),
            "next_attempt_at": now - datetime.timedelta(minutes=16),
        }
    if fields:
        Reminder.objects.filter(pk=reminder.pk).update(**fields)


@transaction.atomic
def demo_load(*, seed: int = 7) -> User:
    rng = random.Random(seed)
    now = timezone.now()
    user = _reset_user()
    today = user_today(user)
    companies = [Company.objects.create(user=user, name=name) for name in COMPANIES]
    people = iter(PEOPLE * 4)
    contacts_by_company = {}
    for company in companies:
        contacts_by_company[company.pk] = [
            Contact.objects.create(
                user=user,
                company=company,
                name=name,
                role=role,
                email=""
                if rng.random() < SHARE_WITHOUT_EMAIL
                else f"{name.split()[0].lower()}@example.com",
            )
            for name, role in (next(people) for _ in range(rng.randint(1, 2)))
        ]

    reminder_states = iter(REMINDER_STATES)
    for index, (stage, outcome) in enumerate(PLAN):
        company = companies[index % len(companies)]
        applied = today - datetime.timedelta(days=rng.randint(35, 150))
        application = application_create(
            user=user,
            company=company,
            role=ROLES[index % len(ROLES)],
            stage=Stage.SAVED if stage == Stage.SAVED else Stage.APPLIED,
            occurred_on=applied,
            source=rng.choice(Source.values),
            location=rng.choice(["Remote", "London", "Berlin", "Hybrid, Manchester"]),
            job_description="Build and run the services behind our product.",
        )
        day = applied
        for step in [s for s in Stage if Stage.APPLIED < s <= stage]:
            day = min(day + datetime.timedelta(days=rng.randint(4, 12)), today)
            application_move(application=application, stage=step, occurred_on=day)
        met = contacts_by_company[company.pk]
        if stage >= Stage.SCREEN:
            interaction_log(
                user=user,
                contacts=met[:1],
                occurred_on=day,
                channel=InteractionChannel.VIDEO,
                summary="Talked through the role and the team.",
                application=application,
            )
        if outcome in (Outcome.REJECTED, Outcome.GHOSTED):
            received = min(day + datetime.timedelta(days=rng.randint(3, 10)), today)
            recruiter = met[0]
            result = rejection_log(
                user=user,
                application=application,
                stage_reached=stage,
                received_on=received,
                ghosted=outcome == Outcome.GHOSTED,
                channel=Channel.EMAIL,
                letter_text=LETTER.format(
                    name="Alex",
                    role=application.role,
                    strength=rng.choice(STRENGTHS),
                    sender=recruiter.name,
                    company=company.name,
                ),
                invited_to_reapply=rng.random() < SHARE_INVITED_TO_REAPPLY,
                contacts=met,
                new_contacts=(
                    [NewContact(name="Priya Nair", role=ContactRole.INTERVIEWER)]
                    if stage == Stage.FINAL_ROUND
                    else []
                ),
            )
            _apply_state(result.reminder, next(reminder_states, "upcoming"), now, rng)
        elif outcome != Outcome.OPEN:
            application_outcome_record(
                application=application,
                outcome=outcome,
                on=day,
                keep_circle_back=outcome == Outcome.OFFER_DECLINED,
            )
    _every_step(user, companies, contacts_by_company, today, now)
    return user


def _every_step(user, companies, contacts_by_company, today, now) -> None:
    """The rest of the cadence: a thank-you waiting to go (its circle-back
    behind it), one sent with its circle-back scheduled, a keep-on-radar after
    a circle-back done, and a circle-back moved by a conversation."""
    for days_ago, company in ((0, companies[0]), (2, companies[1])):
        writer = contacts_by_company[company.pk][0]
        application = application_create(
            user=user,
            company=company,
            role="Principal Engineer",
            stage=Stage.APPLIED,
            occurred_on=today - datetime.timedelta(days=40),
        )
        application_move(
            application=application,
            stage=Stage.FINAL_ROUND,
            occurred_on=today - datetime.timedelta(days=days_ago + 3),
        )
        result = rejection_log(
            user=user,
            application=application,
            stage_reached=Stage.FINAL_ROUND,
            received_on=today - datetime.timedelta(days=days_ago),
            letter_writer=writer,
            contacts=[writer],
        )
        if days_ago and result.thank_you is not None:
            Reminder.objects.filter(pk=result.thank_you.pk).update(
                status=ReminderStatus.SENT, sent_at=now - datetime.timedelta(days=1), attempts=1
            )
    cadence_advance(now=now)
    done = Reminder.objects.for_user(user).filter(status=ReminderStatus.DONE).first()
    if done is not None:
        cadence_next(reminder=done)
    moved = (
        Reminder.objects.for_user(user)
        .circle_backs()
        .filter(
            status=ReminderStatus.SCHEDULED,
            counted_from__lt=today - datetime.timedelta(days=1),
            due_at__gt=now + datetime.timedelta(days=1),
        )
        .exclude(application__contacts=None)
        .select_related("application")
        .first()
    )
    if moved is not None:
        interaction_log(
            user=user,
            contacts=list(moved.application.contacts.all()[:1]),
            occurred_on=today - datetime.timedelta(days=1),
            channel=InteractionChannel.IN_PERSON,
            summary="Caught up over coffee; they mentioned a team that is growing.",
        )
