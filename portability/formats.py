"""What the importer knows about other tools' files, as data.

Header synonyms, the presets of known sources and the status words come from
/work/shared/IMPORT-FORMATS.md (LinkedIn, Huntr, JobSync, Teal, spreadsheets).
"""

import re
from dataclasses import dataclass, field

from applications.models import Outcome, Stage

# Our fields, with the label the preview shows.
FIELDS: dict[str, str] = {
    "company": "Company",
    "role": "Role",
    "status": "Status",
    "applied_on": "Applied on",
    "saved_on": "Saved on",
    "status_changed_on": "Last status change",
    "rejected_on": "Rejected on",
    "interview_on": "Interview date",
    "job_url": "Job URL",
    "location": "Location",
    "source": "Source",
    "contact_name": "Contact name",
    "contact_email": "Contact email",
    "contact_phone": "Contact phone",
    "notes": "Notes",
    "description": "Job description",
}
DATE_FIELDS = ("applied_on", "saved_on", "status_changed_on", "rejected_on", "interview_on")
# A column the user maps to none of the fields: kept in the notes, or dropped.
KEEP_IN_NOTES = "keep_in_notes"
DROP = "drop"


def normalise_header(text: str) -> str:
    return re.sub(r"[\s_\-.]+", " ", text.strip().lower()).strip()


_SYNONYMS: dict[str, tuple[str, ...]] = {
    "company": (
        "company",
        "company name",
        "companyname",
        "employer",
        "organization",
        "organisation",
        "org",
        "firm",
        "business",
    ),
    "role": (
        "job title",
        "jobtitle",
        "title",
        "position",
        "role",
        "role/title",
        "job",
        "job name",
        "position title",
        "opening",
    ),
    "status": (
        "status",
        "list",
        "listname",
        "stage",
        "application status",
        "current status",
        "pipeline",
        "column",
        "progress",
        "result",
        "outcome",
    ),
    "applied_on": (
        "application date",
        "date applied",
        "applieddate",
        "applied",
        "applied on",
        "applied date",
        "date of application",
        "submitted",
        "date submitted",
        "applied at",
    ),
    "saved_on": (
        "createdat",
        "created",
        "saved date",
        "date added",
        "created at",
        "discovered at",
        "date found",
        "date saved",
        "added",
    ),
    "status_changed_on": ("lastmovedat", "updated at", "last updated", "updated"),
    "rejected_on": ("rejected on", "rejection date", "date rejected", "rejected"),
    "interview_on": ("interview date", "interview", "interview time", "next interview"),
    "job_url": (
        "job url",
        "url",
        "link",
        "job link",
        "posting url",
        "posting",
        "listing url",
        "application link",
    ),
    "location": ("location", "location text", "location/remote", "city", "office"),
    "source": (
        "source",
        "jobsource",
        "job portal",
        "found via",
        "channel",
        "where found",
        "platform",
        "board",
    ),
    "contact_name": (
        "contact person",
        "contact",
        "recruiter",
        "hiring manager",
        "referral",
        "contact name",
    ),
    "contact_email": ("contact email", "recruiter email", "email"),
    "contact_phone": ("contact phone number", "phone", "contact phone"),
    "notes": ("notes", "comments", "comment", "details", "remarks"),
    "description": ("htmldescription", "jd text", "description", "job description", "jd"),
    DROP: (
        "id",
        "index",
        "boardid",
        "listid",
        "companyid",
        "creatoruserid",
        "creatoruserfirstname",
        "creatoruserlastname",
        "creatoruseremail",
        "rootdomain",
        "color",
        "lane",
    ),
}
HEADER_SYNONYMS: dict[str, str] = {
    normalise_header(variant): target
    for target, variants in _SYNONYMS.items()
    for variant in variants
}

# Columns that may hold what the user would not want copied around (LinkedIn's
# screening answers: salary expectations, visa status): dropped unless kept.
SENSITIVE_HEADERS = frozenset({normalise_header("Question And Answers")})


# --- Status words -----------------------------------------------------------------------


@dataclass(frozen=True)
class StatusTarget:
    """What a status word means: a stage (None: inferred from the dates) and an outcome."""

    key: str
    label: str
    stage: Stage | None
    outcome: Outcome


STATUS_TARGETS: dict[str, StatusTarget] = {
    t.key: t
    for t in (
        StatusTarget("saved", "Saved (not applied yet)", Stage.SAVED, Outcome.OPEN),
        StatusTarget("applied", "Applied", Stage.APPLIED, Outcome.OPEN),
        StatusTarget("screen", "Screen", Stage.SCREEN, Outcome.OPEN),
        StatusTarget("interview", "Interview", Stage.INTERVIEW, Outcome.OPEN),
        StatusTarget("onsite", "Onsite", Stage.ONSITE, Outcome.OPEN),
        StatusTarget("final_round", "Final round", Stage.FINAL_ROUND, Outcome.OPEN),
        StatusTarget("offer", "Offer", Stage.OFFER, Outcome.OPEN),
        StatusTarget("rejected", "Rejected", None, Outcome.REJECTED),
        StatusTarget("ghosted", "Never heard back (ghosted)", None, Outcome.GHOSTED),
        StatusTarget("offer_accepted", "Offer accepted", Stage.OFFER, Outcome.OFFER_ACCEPTED),
        StatusTarget("offer_declined", "Offer declined", Stage.OFFER, Outcome.OFFER_DECLINED),
        StatusTarget("withdrawn", "Withdrawn", None, Outcome.WITHDRAWN),
        StatusTarget("open", "Still open (keep the stage)", None, Outcome.OPEN),
    )
}

_STATUS_WORDS: dict[str, tuple[str, ...]] = {
    "saved": (
        "wishlist",
        "bookmarked",
        "saved",
        "lead",
        "draft",
        "applying",
        "ready",
        "interested",
        "found",
        "to apply",
        "favorited",
        "posted",
        "want to apply",
        "considering",
        "researching",
        "not applied",
        "planned",
        "preparing",
        "backlog",
    ),
    "applied": (
        "applied",
        "email sent",
        "application sent",
        "submitted",
        "application viewed",
        "viewed by employer",
        "resume downloaded",
        "in review",
        "sent",
        "under review",
        "awaiting response",
        "application submitted",
        "cold emailed",
        "referred",
    ),
    "screen": (
        "screen",
        "screening",
        "screening call",
        "phone screen",
        "recruiter call",
        "phone",
        "phone interview",
        "phone call",
        "hr screen",
        "hr call",
        "recruiter screen",
        "intro call",
        "initial call",
        "chat",
        "coffee chat",
        "oa",
        "online assessment",
        "assessment",
        "take home",
        "coding challenge",
        "test",
    ),
    "interview": (
        "interview",
        "interviewing",
        "technical interview",
        "shortlisted",
        "interview scheduled",
        "interview stage",
        "round",
        "tech interview",
        "hiring manager interview",
        "hm interview",
        "video interview",
        "case interview",
        "next round",
    ),
    "onsite": (
        "onsite",
        "on site",
        "onsite interview",
        "virtual onsite",
        "superday",
        "loop",
        "panel",
        "panel interview",
        "full loop",
    ),
    "final_round": (
        "final round",
        "final interview",
        "final",
        "last round",
        "executive interview",
        "reference check",
        "references",
    ),
    "offer": (
        "offer",
        "offered",
        "negotiating",
        "matched",
        "offer received",
        "verbal offer",
        "written offer",
        "offer extended",
        "negotiation",
    ),
    "rejected": (
        "rejected",
        "not selected",
        "not selected by employer",
        "not moving forward",
        "no offer",
        "denied",
        "rejection",
        "declined by company",
        "turned down",
        "position filled",
        "role filled",
        "unsuccessful",
        "didn t get it",
        "didnt get it",
        "failed",
        "closed rejected",
    ),
    "ghosted": (
        "ghosted",
        "no response",
        "no feedback",
        "no reply",
        "no answer",
        "never heard back",
        "silence",
        "radio silence",
        "stale",
        "dead",
    ),
    "offer_accepted": ("accepted", "hired", "offer accepted", "signed", "joined", "starting"),
    "offer_declined": ("offer declined", "turned down offer", "rejected offer"),
    "withdrawn": (
        "i withdrew",
        "withdrew",
        "withdrawn",
        "passed",
        "dismissed",
        "skipped",
        "canceled",
        "cancelled",
        "not interested",
        "pulled out",
        "passed on it",
        "lost interest",
    ),
}

# Asked in the preview, never guessed; the value is the suggested answer.
AMBIGUOUS_STATUS_WORDS: dict[str, str] = {
    "declined": "rejected",
    "archived": "open",
    "expired": "withdrawn",
    "closed": "rejected",
    "lost": "rejected",
    "done": "rejected",
    "pending": "applied",
    "waiting": "applied",
    "in progress": "applied",
    "tech screen": "screen",
    "technical screen": "screen",
}


def normalise_status(text: str) -> str:
    text = text.strip().lower().replace("'", " ").replace("\u2019", " ")
    text = re.sub(r"^\W*\d+\s*(st|nd|rd|th)?\b", "", text)  # "2nd round" -> "round"
    text = re.sub(r"[^\w\s]+", " ", text)
    return " ".join(text.split())


STATUS_WORDS: dict[str, str] = {
    normalise_status(word): target for target, words in _STATUS_WORDS.items() for word in words
}


def guess_status(word: str) -> tuple[str | None, bool]:
    """(target key or None if unknown, whether it must be asked)."""
    key = normalise_status(word)
    if key in AMBIGUOUS_STATUS_WORDS:
        return AMBIGUOUS_STATUS_WORDS[key], True
    return STATUS_WORDS.get(key), False


# --- Presets ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Preset:
    name: str
    label: str
    # Exact headers (normalised) -> our field; the rest goes through the synonyms.
    headers: dict[str, str] = field(default_factory=dict)
    # Headers whose presence (all of them) identifies the source.
    signature: tuple[str, ...] = ()
    date_order: str = ""  # "mdy" or "dmy" when the source is known to use one
    status_words: dict[str, str] = field(default_factory=dict)
    # With no status column, every row has this status.
    default_status: str = ""


def _h(mapping: dict[str, str]) -> dict[str, str]:
    return {normalise_header(k): v for k, v in mapping.items()}


PRESETS: dict[str, Preset] = {
    p.name: p
    for p in (
        Preset(
            name="linkedin",
            label="LinkedIn data archive (Job Applications.csv)",
            headers=_h(
                {
                    "Application Date": "applied_on",
                    "Contact Email": "contact_email",
                    "Contact Phone Number": "contact_phone",
                    "Company Name": "company",
                    "Job Title": "role",
                    "Job Url": "job_url",
                    "Resume Name": KEEP_IN_NOTES,
                    "Question And Answers": DROP,
                }
            ),
            signature=tuple(_h({"Application Date": "", "Job Url": "", "Company Name": ""})),
            date_order="mdy",
            default_status="applied",
        ),
        Preset(
            name="huntr",
            label="Huntr",
            headers=_h(
                {
                    "createdAt": "saved_on",
                    "title": "role",
                    "url": "job_url",
                    "htmlDescription": "description",
                    "lastMovedAt": "status_changed_on",
                    "listName": "status",
                    "companyName": "company",
                    "boardName": KEEP_IN_NOTES,
                    "salary": KEEP_IN_NOTES,
                    "deadline": KEEP_IN_NOTES,
                    "List": "status",
                    "Employer": "company",
                }
            ),
            signature=tuple(_h({"listName": "", "companyName": ""})),
        ),
        Preset(
            name="jobsync",
            label="JobSync",
            headers=_h(
                {
                    "index": DROP,
                    "createdAt": "saved_on",
                    "applied": DROP,
                    "appliedDate": "applied_on",
                    "Company": "company",
                    "JobTitle": "role",
                    "jobType": KEEP_IN_NOTES,
                    "workplaceType": KEEP_IN_NOTES,
                    "Location": "location",
                    "JobSource": "source",
                    "Status": "status",
                }
            ),
            signature=tuple(_h({"appliedDate": "", "JobTitle": "", "JobSource": ""})),
            status_words={"draft": "saved", "expired": "withdrawn", "archived": "open"},
        ),
        Preset(
            name="teal",
            label="Teal",
            headers=_h(
                {
                    "Company Name": "company",
                    "Job Title": "role",
                    "Status": "status",
                    "Date Applied": "applied_on",
                    "Max. Salary": KEEP_IN_NOTES,
                    "Excitement": KEEP_IN_NOTES,
                    "Deadline": KEEP_IN_NOTES,
                }
            ),
            signature=tuple(_h({"Company Name": "", "Job Title": "", "Status": ""})),
            status_words={
                "bookmarked": "saved",
                "applying": "saved",
                "interviewing": "interview",
                "negotiating": "offer",
                "accepted": "offer_accepted",
                "i withdrew": "withdrawn",
                "not selected": "rejected",
                "no response": "ghosted",
            },
        ),
        Preset(name="generic", label="A spreadsheet of my own"),
    )
}


def detect_preset(headers: list[str], *, kind: str = "csv") -> Preset:
    if kind == "linkedin":
        return PRESETS["linkedin"]
    present = {normalise_header(h) for h in headers}
    for preset in PRESETS.values():
        if preset.signature and set(preset.signature) <= present:
            return preset
    return PRESETS["generic"]


def guess_mapping(headers: list[str], preset: Preset) -> list[str]:
    """One field (or KEEP_IN_NOTES / DROP) per column; a field is taken once."""
    taken: set[str] = set()
    mapping: list[str] = []
    for header in headers:
        key = normalise_header(header)
        target = preset.headers.get(key) or HEADER_SYNONYMS.get(key)
        if key in SENSITIVE_HEADERS:
            target = DROP
        if target is None:
            target = KEEP_IN_NOTES if header.strip() else DROP
        if target in FIELDS:
            if target in taken:
                target = KEEP_IN_NOTES
            taken.add(target)
        mapping.append(target)
    return mapping
