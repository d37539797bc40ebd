"""The advice behind Ajar, made concrete: short messages with the numbers behind
them and a link to the applications concerned.

Every rule counts within the current search: from the user's "search started"
date, or their first application when it is unset. Thresholds are settings
(AJAR_INSIGHT_*). `insights_for(user, today)` is what the dashboard and the
stats page render through `templates/review/_insights.html`; it makes
the same few queries whatever the data size.
"""

import datetime
from dataclasses import dataclass
from urllib.parse import urlencode

from dateutil.relativedelta import relativedelta
from django.conf import settings
from django.db.models import Exists, F, OuterRef, Q, QuerySet, Subquery, Sum
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from accounts.links import pk_url
from accounts.prepared import PreparedRow, PreparedValues
from applications.models import (
    Application,
    Attachment,
    Channel,
    Outcome,
    Rejection,
    Stage,
    StatsCount,
)
from reminders.models import Reminder, ReminderStatus


@dataclass(frozen=True)
class InsightItem:
    label: str
    url: str
    detail: str = ""


@dataclass(frozen=True)
class Insight:
    key: str
    # success, info or warning: how the partial colours it.
    tone: str
    title: str
    message: str
    # A figure is a number, or a bounded count's "200+".
    figures: tuple[tuple[str, int | str], ...] = ()
    link_url: str = ""
    link_text: str = ""
    items: tuple[InsightItem, ...] = ()
    more: int = 0  # items left off the list
    more_capped: bool = False  # at least `more`: counted only as far as a cap


def months_before(day: datetime.date, months: int) -> datetime.date:
    """The same day `months` calendar months earlier (the 31st becomes the month's last day)."""
    return day - relativedelta(months=months)


def search_start(user) -> datetime.date | None:
    """The day the current search started: the user's own date, else the day of
    their first application (None when there is neither). An application whose
    applied date is unknown (first logged at its rejection) counts from its
    outcome's date: the earliest date it is known to have existed."""
    if user.search_started_on:
        return user.search_started_on
    rows = _FIRST_APPLICATION(user_id=user.pk)
    return rows[0][0] if rows else None


def _first_application(*, user_id: int) -> QuerySet:
    """The first day, as the first entry of application_first_day_idx: what
    PostgreSQL makes of MIN() alone, which a GROUP BY would turn into a read
    of every entry (46 ms at 200,000 applications)."""
    return (
        Application.objects.for_user(user_id)
        .filter(furthest_stage__gte=Stage.APPLIED)
        .annotate(first=Coalesce("applied_on", "outcome_on"))
        .filter(first__isnull=False)
        .order_by("first")
        .values_list("first")[:1]
    )


def _rejection_counts(*, user_id: int, since_key: str, final_key: str) -> QuerySet:
    return (
        StatsCount.objects.filter(user_id=user_id, key__startswith="x")
        .order_by()
        .values("user_id")
        .annotate(
            total=Coalesce(Sum("n", filter=Q(key__startswith="x:", key__gte=since_key)), 0),
            final=Coalesce(Sum("n", filter=Q(key__startswith="xf:", key__gte=final_key)), 0),
        )
        .values_list("total", "final")
    )


# Built and compiled once a process (accounts/prepared.py), like the radar's
# reads below: building them was a sixth of the dashboard's CPU.
_FIRST_APPLICATION = PreparedValues(_first_application, values=("user_id",))
_REJECTION_COUNTS = PreparedValues(
    _rejection_counts, values={"user_id": int, "since_key": str, "final_key": str}
)


def applications_url(**params) -> str:
    """The applications list, filtered (see the list view for the parameters)."""
    return f"{reverse('applications:list')}?{urlencode(params)}"


def _day(value: datetime.date) -> str:
    return date_format(value, "DATE_FORMAT")


_UNKNOWN = object()


def insights_for(user, today: datetime.date, *, start=_UNKNOWN) -> list[Insight]:
    """The insights of `user`'s current search, as of their local `today`.

    `start` saves a query for a caller that already has `search_start(user)`.
    """
    if start is _UNKNOWN:
        start = search_start(user)
    if start is None:
        return []
    final_threshold = settings.AJAR_INSIGHT_FINAL_ROUND_REJECTIONS
    months = settings.AJAR_INSIGHT_FINAL_ROUND_MONTHS
    review_threshold = settings.AJAR_INSIGHT_REVIEW_AFTER_REJECTIONS
    window_start = max(start, months_before(today, months))

    counts = rejection_counts(user, since=start, final_since=window_start)
    insights: list[Insight] = []

    if counts["final"] >= final_threshold:
        insights.append(
            Insight(
                key="final_round",
                tone="info",
                title=_("You are getting far"),
                message=ngettext(
                    "%(count)d rejection at the final round since %(since)s: you are "
                    "getting far. Rethink how you present yourself at the last step.",
                    "%(count)d rejections at the final round since %(since)s: you are "
                    "getting far. Rethink how you present yourself at the last step.",
                    counts["final"],
                )
                % {"count": counts["final"], "since": _day(window_start)},
                figures=(
                    # Only what the user can check; thresholds are ours, not theirs.
                    (_("Final-round rejections"), counts["final"]),
                ),
                link_url=applications_url(outcome=Outcome.REJECTED, stage=Stage.FINAL_ROUND),
                link_text=_("See the final-round rejections"),
            )
        )

    total = counts["total"]
    if total:
        # Past the threshold: step back; before it: keep going. Same numbers behind both.
        reviewing = total >= review_threshold
        params = {"count": total, "since": _day(start)}
        insights.append(
            Insight(
                key="review_approach" if reviewing else "keep_going",
                tone="warning" if reviewing else "success",
                title=_("A moment to review the approach") if reviewing else _("Keep going"),
                message=(
                    ngettext(
                        "%(count)d rejection since your search started on %(since)s. Step "
                        "back and review the approach: the roles you aim at, how you apply, "
                        "what the letters say.",
                        "%(count)d rejections since your search started on %(since)s. Step "
                        "back and review the approach: the roles you aim at, how you apply, "
                        "what the letters say.",
                        total,
                    )
                    if reviewing
                    else ngettext(
                        "%(count)d rejection since your search started on %(since)s: that is "
                        "part of the search. Keep doing what got you this far.",
                        "%(count)d rejections since your search started on %(since)s: that is "
                        "part of the search. Keep doing what got you this far.",
                        total,
                    )
                )
                % params,
                figures=((_("Rejections in this search"), total),),
                link_url=applications_url(outcome=Outcome.REJECTED),
                link_text=_("See the rejections"),
            )
        )

    radar = _on_your_radar(user, start)
    if radar is not None:
        insights.append(radar)
    paid_off = _circle_backs_paid_off(user, start)
    if paid_off is not None:
        insights.append(paid_off)
    return insights


def rejection_counts(user, *, since: datetime.date, final_since: datetime.date) -> dict[str, int]:
    """How many rejections were received since `since` ("total"), and at the
    final round since `final_since` ("final"): sums of the user's per-day
    counters (applications.summary's "x:<day>" and "xf:<day>"), a few hundred
    rows at most, where counting the rejections read every one of the search
    (60,000 index entries, 9-25 ms, for an account of 200,000 applications).
    The keys share one format, so a day compares as its key does."""
    rows = _REJECTION_COUNTS(
        user_id=user.pk,
        since_key=f"x:{since.isoformat()}",
        final_key=f"xf:{final_since.isoformat()}",
    )
    total, final = rows[0] if rows else (0, 0)
    return {"total": total, "final": final}


def _reminder_detail(status: str | None, due_date: datetime.date | None) -> str:
    if status is None:
        return _("no circle-back")
    if status == ReminderStatus.SCHEDULED:
        assert due_date is not None  # every reminder has one; None only without a reminder
        return _("circle back on %(day)s") % {"day": _day(due_date)}
    if status in (ReminderStatus.SENDING, ReminderStatus.SENT):
        return _("circle-back reminder sent: time to get in touch")
    if status == ReminderStatus.DONE:
        return _("circled back")
    return _("circle-back %(status)s") % {"status": str(ReminderStatus(status).label).lower()}


def _detail_url(application_id: int) -> str:
    return pk_url("review:application", application_id)


# Rows read at a time for the first companies of "they know you": the
# latest rejections, most of them from distinct companies.
RADAR_CHUNK = 50
# Its count of companies reads at most this many of the latest rows (one range
# of rejection_user_received_idx, where the count of every match was 50-210 ms
# at 200,000 applications); beyond it, the count says "at least". Each row
# read looks up its application for the company: 1,000 of them were 4,300
# buffers and 15-20 ms, the dashboard's largest query at 200,000; 200 are 3 ms.
RADAR_COUNT_CAP = 200


def _radar_qualifying(user_id: int, start: datetime.date, stage: int) -> QuerySet[Rejection]:
    return (
        Rejection.objects.for_user(user_id)
        .filter(received_on__gte=start, stage_reached__gte=stage)
        .exclude(channel=Channel.PORTAL)
        .filter(~Q(letter_text="") | Exists(Attachment.objects.filter(rejection=OuterRef("pk"))))
        .order_by("-received_on", "-id")
    )


def _radar_rows(
    *, user_id: int, start: datetime.date, stage: int, offset: int, chunk: int
) -> QuerySet:
    current_step = Reminder.objects.filter(application=OuterRef("application_id")).latest_first()
    return (
        _radar_qualifying(user_id, start, stage)
        .annotate(
            step_status=Subquery(current_step.values("status")[:1]),
            step_due_date=Subquery(current_step.values("due_date")[:1]),
        )
        # Plain tuples, and the reminder's state read only for the rows fetched.
        .values_list(
            "application_id",
            "application__company_id",
            "application__company__name",
            "application__role",
            "stage_reached",
            "received_on",
            "step_status",
            "step_due_date",
        )[offset : offset + chunk]
    )


def _radar_counts_sql(
    *, user_id: int, start: datetime.date, stage: int, cap: int
) -> tuple[str, tuple]:
    """The companies among the latest `cap` qualifying rows, and the rows."""
    latest = (
        _radar_qualifying(user_id, start, stage)
        .annotate(company=F("application__company_id"))
        .values("company")[:cap]
    )
    sql, params = latest.query.sql_with_params()
    # Django's own compiled SQL, every value a parameter.
    return f"SELECT COUNT(DISTINCT company), COUNT(company) FROM ({sql}) latest", params  # noqa: S608


# Both built and compiled once a process (accounts/prepared.py): the
# subqueries and the OR were most of the dashboard's query-building CPU.
# Planned on each call: one plan for every account, the average one's, read
# all 60,000 rejections of the largest through the user index (36-70 ms, where
# its own plan takes 2 ms).
_DATES = {"user_id": int, "start": datetime.date}
_RADAR_ROWS = PreparedValues(_radar_rows, values=_DATES, plan_once=False)
_RADAR_COUNTS = PreparedRow(_radar_counts_sql, values=_DATES, model=Rejection, plan_once=False)


def _on_your_radar(user, start: datetime.date) -> Insight | None:
    """Companies that rejected after a long process, with a real letter (pasted
    or attached, not a portal's status change): they know you.

    Both queries are ranges of rejection_user_received_idx: the latest rows,
    RADAR_CHUNK at a time until the companies shown are found (one chunk
    unless a few companies wrote most of the letters), and the count of
    distinct companies among at most RADAR_COUNT_CAP of the latest rows."""
    shape = {"user_id": user.pk, "start": start, "stage": settings.AJAR_INSIGHT_LONG_PROCESS_STAGE}
    limit = settings.AJAR_INSIGHT_MAX_ITEMS
    companies: set[int] = set()
    items: list[InsightItem] = []
    offset = 0
    while len(items) < limit:
        chunk = _RADAR_ROWS(**shape, offset=offset, chunk=RADAR_CHUNK)
        for application_id, company_id, company, role, stage, day, status, due in chunk:
            if company_id in companies or len(items) >= limit:
                continue
            companies.add(company_id)
            items.append(
                InsightItem(
                    label=f"{company}: {role}",
                    url=_detail_url(application_id),
                    detail=_("%(stage)s, %(day)s; %(reminder)s")
                    % {
                        "stage": Stage(stage).label,
                        "day": _day(day),
                        "reminder": _reminder_detail(status, due),
                    },
                )
            )
        if len(chunk) < RADAR_CHUNK:
            break
        offset += RADAR_CHUNK
    # Every company among the latest RADAR_COUNT_CAP rows, not only those
    # read above; asked even when none was read, so the page makes the same
    # queries whatever the account holds.
    companies_counted, rows_counted = _RADAR_COUNTS(**shape, cap=RADAR_COUNT_CAP)
    # The cap reached: more rows may name more companies ("at least").
    capped = rows_counted >= RADAR_COUNT_CAP
    count = max(companies_counted, len(companies))
    if not companies:
        return None
    if capped:
        message = ngettext(
            "At least %(count)d company rejected you after a long process, with a real "
            "letter. A no this late is not a closed door: circle back when the time comes.",
            "At least %(count)d companies rejected you after a long process, with a real "
            "letter. A no this late is not a closed door: circle back when the time comes.",
            count,
        )
    else:
        message = ngettext(
            "%(count)d company rejected you after a long process, with a real letter. "
            "A no this late is not a closed door: circle back when the time comes.",
            "%(count)d companies rejected you after a long process, with a real letter. "
            "A no this late is not a closed door: circle back when the time comes.",
            count,
        )
    return Insight(
        key="on_your_radar",
        tone="info",
        title=_("They know you: keep them on your radar"),
        message=message % {"count": count},
        figures=((_("Companies"), f"{count}+" if capped else count),),
        items=tuple(items),
        more=count - len(items),
        more_capped=capped,
    )


def _paid_off(*, user_id: int, start: datetime.date) -> QuerySet:
    return (
        Reminder.objects.for_user(user_id)
        .filter(reapplication__isnull=False)
        .filter(Q(reapplication__applied_on__gte=start) | Q(reapplication__applied_on__isnull=True))
        .order_by("-reapplication__created_at", "-id")
        .values_list(
            "reapplication_id",
            "application__company__name",
            "reapplication__role",
            "reapplication__furthest_stage",
            "reapplication__outcome",
        )
    )


_PAID_OFF = PreparedValues(_paid_off, values=_DATES)


def _circle_backs_paid_off(user, start: datetime.date) -> Insight | None:
    """Re-contacts that led to a new application ("I applied again")."""
    rows = _PAID_OFF(user_id=user.pk, start=start)
    if not rows:
        return None
    limit = settings.AJAR_INSIGHT_MAX_ITEMS
    items = tuple(
        InsightItem(
            label=f"{company}: {role}",
            url=_detail_url(application_id),
            detail=_("applied again; now %(stage)s, %(outcome)s")
            % {
                "stage": str(Stage(stage).label).lower(),
                "outcome": str(Outcome(outcome).label).lower(),
            },
        )
        for application_id, company, role, stage, outcome in rows[:limit]
    )
    return Insight(
        key="circle_backs_paid_off",
        tone="success",
        title=_("Circle-backs that paid off"),
        message=ngettext(
            "%(count)d circle-back led to a new application: the door was ajar.",
            "%(count)d circle-backs led to a new application: the door was ajar.",
            len(rows),
        )
        % {"count": len(rows)},
        figures=((_("New applications after a circle-back"), len(rows)),),
        items=items,
        more=len(rows) - len(items),
    )
