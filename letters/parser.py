"""The one letter parser: the raw bytes of one email message in, a ParsedLetter out.

Pure (no models, no database): every door (the log-rejection form, the Inbox
upload, `ingest_email`, the IMAP poller) calls `parse_letter`. It guesses the
employer, the role, the date received and the kind of message, each with a
confidence, and leaves blank what it cannot find: it never invents.

Bad input is a LetterError with a sentence for the user, never another
exception: the size, the number of parts, the nesting depth and the time spent
are bounded before and while the stdlib parser runs.
"""

from __future__ import annotations

import datetime
import email
import email.header
import email.policy
import functools
import hashlib
import re
import time
import warnings
from dataclasses import dataclass, field
from email.message import EmailMessage, Message
from email.utils import getaddresses, parseaddr, parsedate_to_datetime

import html2text
import quotequail
from dateutil import parser as dateparser

from letters.classify import Classification, Kind, classify, read_list

MAX_MESSAGE_BYTES = 25 * 1024 * 1024
MAX_ATTACHMENT_BYTES = 5 * 1024 * 1024
MAX_PARTS = 100
MAX_DEPTH = 10
MAX_SECONDS = 5.0
MAX_TEXT_CHARS = 100_000


class LetterError(ValueError):
    """The bytes are not a message we can read; str() is a sentence for the user."""


@dataclass(frozen=True)
class ParsedAttachment:
    filename: str
    content_type: str
    data: bytes

    @property
    def size(self) -> int:
        return len(self.data)


@dataclass(frozen=True)
class Guess:
    """A guessed field: blank with confidence 0 when nothing was found."""

    value: str = ""
    confidence: float = 0.0
    source: str = ""


@dataclass(frozen=True)
class ParsedLetter:
    message_id: str
    subject: str
    sender_name: str
    sender_address: str
    # Who sent us this copy: for a forwarded letter, the person who forwarded it.
    envelope_from: str
    recipients: tuple[str, ...]
    company: Guess
    role: Guess
    # The moment received, aware, when the letter says it with a zone.
    received_at: datetime.datetime | None
    # The day received, when only a day (or a time without a zone) is known.
    received_day: datetime.date | None
    received_confidence: float
    forwarded: bool
    text: str
    kind: Kind
    kind_score: float
    rejection_score: float
    matched_phrases: tuple[str, ...]
    attachments: tuple[ParsedAttachment, ...]
    # DKIM or SPF said "fail" in an Authentication-Results header.
    authentication_failed: bool
    body_hash: str
    warnings: tuple[str, ...] = field(default=())

    def received_on(self, zone: datetime.tzinfo) -> datetime.date | None:
        """The date received, in the user's zone."""
        if self.received_at is not None:
            return self.received_at.astimezone(zone).date()
        return self.received_day


# --- Data ---------------------------------------------------------------------


@functools.cache
def ats_domains() -> frozenset[str]:
    return frozenset(d.lower() for d in read_list("ats_domains.txt"))


@functools.cache
def freemail_domains() -> frozenset[str]:
    return frozenset(d.lower() for d in read_list("freemail_domains.txt"))


def _domain_in(domain: str, domains: frozenset[str]) -> str:
    """The listed domain `domain` is or is under, else ""."""
    labels = domain.lower().strip(".").split(".")
    for i in range(len(labels) - 1):
        candidate = ".".join(labels[i:])
        if candidate in domains:
            return candidate
    return ""


def is_ats_domain(domain: str) -> bool:
    return bool(_domain_in(domain, ats_domains()))


# --- Reading the bytes ---------------------------------------------------------

_SNIFFED = (
    (b"\x89PNG\r\n\x1a\n", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"GIF8", "a GIF image"),
    (b"%PDF-", "a PDF document"),
    (b"PK\x03\x04", "a ZIP archive or an Office document"),
    (b"\x1f\x8b", "a gzip archive"),
    (b"\xd0\xcf\x11\xe0", "an Outlook .msg or old Office file"),
)
_HEADER_LINE = re.compile(rb"^[!-9;-~]{1,76}:[ \t]?", re.MULTILINE)
_CONTAINER_MARKERS = (b"multipart/", b"Multipart/", b"MULTIPART/", b"message/rfc822")


def _check_bytes(raw: bytes) -> None:
    if not raw or not raw.strip():
        raise LetterError("The message is empty.")
    if len(raw) > MAX_MESSAGE_BYTES:
        raise LetterError(
            f"The message is too large: the limit is {MAX_MESSAGE_BYTES // (1024 * 1024)} MB."
        )
    for magic, what in _SNIFFED:
        if raw.startswith(magic):
            raise LetterError(f"This is not an email message: it looks like {what}.")
    head = raw[:8192].lstrip()
    if head.startswith(b"From ") and b"\n" in head:
        # An mbox "From " line before the headers, as a single-message export has.
        head = head.split(b"\n", 1)[1]
    if not _HEADER_LINE.match(head):
        raise LetterError("This is not an email message: it does not start with mail headers.")
    # The stdlib parser recurses once per nested part: refuse a nesting bomb
    # before it can reach Python's recursion limit.
    # Counted with bytes.count (a regex over a large attachment is slow); an odd
    # spelling that slips past is still caught as a RecursionError below.
    containers = sum(raw.count(marker) for marker in _CONTAINER_MARKERS)
    if containers > MAX_PARTS:
        raise LetterError(
            f"The message has too many parts (more than {MAX_PARTS}): it cannot be read safely."
        )


def _raw_header(name: str, value: str) -> str:
    """policy.default's header factory builds a structured header object on every
    read, which costs more than the rest of the parse together. We read a dozen
    headers a message and decode the few we show ourselves (decode_text)."""
    return value


# policy.default (CRLF handling, RFC 2231 parameters, 8-bit bodies) with plain
# string headers: get_content_type(), get_param() and get_filename() work on them.
POLICY = email.policy.default.clone(header_factory=_raw_header)


def _to_text(data: bytes, charset: str | None) -> str:
    for candidate in (charset, "utf-8", "cp1252"):
        if not candidate:
            continue
        try:
            return data.decode(candidate)
        except (LookupError, UnicodeDecodeError):
            continue
    return data.decode("latin-1")


def decode_text(value: str) -> str:
    """A raw header value as text: RFC 2047 encoded words and raw 8-bit decoded."""
    if not value.isascii() and any("\udc80" <= c <= "\udcff" for c in value):
        # 8-bit bytes in a header, kept by the parser as surrogates.
        value = _to_text(value.encode("utf-8", "surrogateescape"), None)
    if "=?" not in value:
        return value
    try:
        parts = email.header.decode_header(value)
    except (ValueError, LookupError, AssertionError):
        return value
    return "".join(
        _to_text(part, charset) if isinstance(part, bytes) else part for part, charset in parts
    )


def _header(message: Message, name: str) -> str:
    try:
        value = message.get(name)
    except Exception:  # noqa: BLE001 - the stdlib header parser fails in many ways on junk
        return ""
    if value is None:
        return ""
    return " ".join(_clean(decode_text(str(value))).split())


def _clean(text: str) -> str:
    # PostgreSQL refuses NUL in text; a letter never needs one.
    return text.replace("\x00", "")


def _decode(part: Message) -> str:
    """A text part's content, trying the declared charset, then UTF-8, then cp1252."""
    try:
        payload = part.get_payload(decode=True)
    except Exception:  # noqa: BLE001 - broken base64 / quoted-printable
        payload = None
    if not isinstance(payload, bytes):
        return ""
    try:
        declared = part.get_content_charset()
    except Exception:  # noqa: BLE001
        declared = None
    return _clean(_to_text(payload, declared))


def html_to_text(html: str) -> str:
    """Paragraphs and line breaks kept, entities decoded, no markdown decoration."""
    converter = html2text.HTML2Text()
    converter.body_width = 0
    converter.ignore_images = True
    converter.ignore_emphasis = True
    converter.ignore_tables = True
    converter.ignore_links = True
    converter.unicode_snob = True
    converter.single_line_break = False
    text = converter.handle(html)
    # html2text escapes markdown characters; a letter is not markdown.
    text = re.sub(r"\\([\\`*_{}\[\]()#+\-.!>])", r"\1", text)
    # Markdown's hard line break is two trailing spaces.
    text = re.sub(r"[ \t]+\n", "\n", text)
    return re.sub(r"\n{3,}", "\n\n", text).strip()


@dataclass
class _Walk:
    plain: list[str] = field(default_factory=list)
    html: list[str] = field(default_factory=list)
    attachments: list[ParsedAttachment] = field(default_factory=list)
    inner_messages: list[Message] = field(default_factory=list)
    has_calendar: bool = False
    warnings: list[str] = field(default_factory=list)


def _filename(part: Message) -> str:
    try:
        name = part.get_filename() or ""
    except Exception:  # noqa: BLE001
        name = ""
    name = _clean(decode_text(name)).replace("\\", "/").rsplit("/", 1)[-1].strip()
    return " ".join(name.split())[:255]


def _check_bounds(parts: int, depth: int, deadline: float) -> None:
    if parts > MAX_PARTS:
        raise LetterError(
            f"The message has too many parts (more than {MAX_PARTS}): it cannot be read safely."
        )
    if depth > MAX_DEPTH:
        raise LetterError(
            f"The message is nested too deeply (more than {MAX_DEPTH} levels): "
            "it cannot be read safely."
        )
    if time.monotonic() > deadline:
        raise LetterError("The message took too long to read.")


def _walk(message: Message, deadline: float) -> _Walk:
    """Every leaf part, iteratively, with the depth and part count bounded."""
    found = _Walk()
    stack: list[tuple[Message, int]] = [(message, 0)]
    parts = 0
    while stack:
        part, depth = stack.pop()
        parts += 1
        _check_bounds(parts, depth, deadline)
        if not part.is_multipart():
            _leaf(part, found)
            continue
        payload = part.get_payload()
        if isinstance(payload, list):
            first = payload[0] if payload else None
            if part.get_content_type() == "message/rfc822" and isinstance(first, Message):
                found.inner_messages.append(first)
            # Reversed, so that the stack pops them in their order.
            stack.extend((child, depth + 1) for child in reversed(payload))
    return found


def _leaf(part: Message, found: _Walk) -> None:
    """One leaf part: the letter's text, or an attachment kept as its own file."""
    content_type = part.get_content_type()
    try:
        disposition = part.get_content_disposition()
    except Exception:  # noqa: BLE001 - a broken Content-Disposition is no disposition
        disposition = None
    filename = _filename(part)
    if content_type == "text/calendar":
        found.has_calendar = True
    inline = disposition != "attachment" and not filename
    if inline and content_type in {"text/plain", "text/html"}:
        (found.plain if content_type == "text/plain" else found.html).append(_decode(part))
        return
    if content_type.startswith("multipart/"):
        return
    try:
        data = part.get_payload(decode=True)
    except Exception:  # noqa: BLE001 - broken base64 is an attachment we cannot keep
        data = None
    if not isinstance(data, bytes) or not data:
        return
    if len(data) > MAX_ATTACHMENT_BYTES:
        found.warnings.append(
            f"The attachment “{filename or content_type}” is larger than 5 MB and was not kept."
        )
        return
    if not filename:
        extension = {"text/calendar": "ics", "application/pdf": "pdf"}.get(content_type, "bin")
        filename = f"attachment-{len(found.attachments) + 1}.{extension}"
    found.attachments.append(ParsedAttachment(filename, content_type[:100], data))


# --- Forwarded blocks ------------------------------------------------------------

_FORWARD_SUBJECT = re.compile(r"^\s*(?:(?:fwd?|fw|wg|tr|rv)\s*:\s*)+", re.IGNORECASE)
_REPLY_SUBJECT = re.compile(r"^\s*(?:(?:re|aw|sv)\s*:\s*)+", re.IGNORECASE)


def _loose_date(text: str) -> tuple[datetime.datetime | None, datetime.date | None, float]:
    """A date as mail clients print it in a forwarded block."""
    text = " ".join(text.split())
    if not text:
        return None, None, 0.0
    try:
        moment = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        moment = None
    if moment is None:
        cleaned = re.sub(r"\bat\b", " ", text)
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                moment = dateparser.parse(cleaned, fuzzy=True)
        except (ValueError, OverflowError, TypeError):
            return None, None, 0.0
    if moment is None:
        return None, None, 0.0
    if moment.tzinfo is not None:
        return moment, None, 0.85
    # A client's local time without its zone: the day is all we know.
    return None, moment.date(), 0.75


# --- Employer and role -------------------------------------------------------------

_TEAM_WORDS = (
    r"(?:talent\s+acquisition|talent|recruiting|recruitment|recruiters?|careers?|jobs|hiring|"
    r"people|hr|human\s+resources|team|people\s+team|hiring\s+team|no-?reply|notifications?)"
)
_NAME_SUFFIX = re.compile(
    rf"(?:\s*[-|,:@]?\s*(?:the\s+)?(?:{_TEAM_WORDS})(?:\s+team)?)+\s*$", re.IGNORECASE
)
_NAME_PREFIX = re.compile(r"^(?:the\s+)", re.IGNORECASE)
_VIA = re.compile(r"\s+(?:via|from|@|at)\s+(.+)$", re.IGNORECASE)
_COMPANY_WORD = r"[A-Z0-9][\w&'\u2019+-]*(?:\.[A-Za-z0-9][\w-]*)*"
_COMPANY = rf"(?P<company>{_COMPANY_WORD}(?:[ \t]+(?:&[ \t]+|of[ \t]+)?{_COMPANY_WORD}){{0,4}})"
_BODY_COMPANY = (
    re.compile(rf"\b(?:position|role|opening|job|vacancy) (?:here )?(?:at|with) {_COMPANY}"),
    re.compile(rf"\b(?:position|role) (?:of|as) [^.\n]{{1,60}}? (?:at|with) {_COMPANY}"),
    re.compile(rf"\bapplication (?:to|at|with) {_COMPANY}"),
    re.compile(rf"\bapplying (?:to|at|for a role at|for a position at) {_COMPANY}"),
    re.compile(rf"\binterest in (?:joining |working (?:at|for|with) )?{_COMPANY}"),
    re.compile(rf"\bcareers? (?:at|with) {_COMPANY}"),
    re.compile(
        rf"^[ \t]*(?:the[ \t]+)?{_COMPANY}[ \t]+(?:Talent|Recruiting|Hiring|People|HR)\b", re.M
    ),
)
# A company followed by "position" within a few words was a role.
_ROLE_AFTER = re.compile(r"(?:[ \t]+[\w-]+){0,3}[ \t]+(?:position|role|opening|vacancy)\b", re.I)
_SUBJECT_COMPANY = (
    re.compile(rf"\b(?:at|with|to|from) {_COMPANY}\s*$"),
    re.compile(rf"^{_COMPANY}\s*[-|:\u2013]\s"),
    re.compile(rf"\b(?:at|with) {_COMPANY}\s*[-|:\u2013,!]"),
)
_STOP_COMPANIES = {
    "the",
    "this",
    "our",
    "your",
    "us",
    "we",
    "a",
    "an",
    "this time",
    "this stage",
    "this point",
    "present",
    "the moment",
    "unfortunately",
    "dear",
    "hi",
    "hello",
    "thank you",
    "thanks",
    "application",
    "interview",
    "position",
    "role",
    "invitation",
    "update",
    "re",
    "fwd",
    "your application",
    "application received",
}
_ROLE = r"(?P<role>[A-Za-z0-9][\w/&,+#.()' -]{1,80}?)"
_ROLE_PATTERNS = (
    re.compile(
        rf"\bapplication for (?:the |our |a |an )?(?:position of |role of )?{_ROLE}"
        r"(?: position| role| opening| vacancy)?(?: at | with | here|[.,;!\n]|$)",
        re.IGNORECASE,
    ),
    re.compile(
        rf"\bapplied for (?:the |our |a |an )?{_ROLE}"
        r"(?: position| role| opening)?(?: at | with |[.,;!\n]|$)",
        re.IGNORECASE,
    ),
    re.compile(
        rf"\binterest in (?:the |our )?{_ROLE} (?:position|role|opening|vacancy)\b", re.IGNORECASE
    ),
    re.compile(rf"\bthe {_ROLE} (?:position|role|opening|vacancy)\b", re.IGNORECASE),
    re.compile(rf"\b(?:position|role) of {_ROLE}(?: at | with |[.,;!\n]|$)", re.IGNORECASE),
)
_SUBJECT_ROLE = (
    re.compile(rf"^{_ROLE} (?:at|with|@) [A-Z]"),
    re.compile(rf"[-|:\u2013] {_ROLE}\s*$"),
)
_ROLE_STOP = re.compile(
    r"^(?:this|that|the|a|an|your|our|application|position|role|job|it|us|you|"
    r"open|opening|other|any|future|same|another|interest|consideration)\b",
    re.IGNORECASE,
)


def _tidy_company(value: str) -> str:
    value = _NAME_PREFIX.sub("", value.strip(" \t\"'“”.,:;!-|"))
    value = _NAME_SUFFIX.sub("", value).strip(" \t\"'“”.,:;!-|")
    value = re.sub("(?:'s|\u2019s)$", "", value)
    if not value or value.lower() in _STOP_COMPANIES or len(value) > 80:
        return ""
    if is_ats_name(value):
        return ""
    return value


@functools.cache
def _ats_names() -> frozenset[str]:
    names = {d.split(".")[0] for d in ats_domains()}
    names |= {"smart recruiters", "ashby", "workday", "lever", "greenhouse", "icims", "taleo"}
    return frozenset(names)


def is_ats_name(value: str) -> bool:
    return value.lower().replace(" ", "") in _ats_names() or value.lower() in _ats_names()


def _company_from_domain(address: str) -> str:
    domain = address.rpartition("@")[2].lower()
    if not domain or is_ats_domain(domain) or _domain_in(domain, freemail_domains()):
        return ""
    labels = [label for label in domain.split(".") if label]
    if len(labels) < 2:
        return ""
    # example.co.uk -> example; mail.example.com -> example
    core = (
        labels[-3] if len(labels) >= 3 and labels[-2] in {"co", "com", "ac", "org"} else labels[-2]
    )
    if len(core) < 2:
        return ""
    return core.capitalize()


def _guess_company(
    *, sender_name: str, sender_address: str, reply_to: str, subject: str, text: str
) -> Guess:
    votes: list[Guess] = []
    for pattern in _BODY_COMPANY:
        match = pattern.search(text[:5000])
        if (
            match
            and not _ROLE_AFTER.match(text, match.end())
            and (value := _tidy_company(match.group("company")))
        ):
            votes.append(Guess(value, 0.7, "body"))
            break
    for pattern in _SUBJECT_COMPANY:
        match = pattern.search(subject)
        if match and (value := _tidy_company(match.group("company"))):
            votes.append(Guess(value, 0.7, "subject"))
            break
    name = sender_name
    via = _VIA.search(name)
    sender_domain = sender_address.rpartition("@")[2]
    if via and is_ats_name(via.group(1).strip()):
        # "Acme via Greenhouse": the part before the ATS is the employer... or a person.
        name = name[: via.start()]
    if name and "@" not in name:
        value = _tidy_company(name)
        team_worded = value != name.strip() and bool(value)
        if value and (team_worded or is_ats_domain(sender_domain)):
            votes.append(Guess(value, 0.65 if team_worded else 0.5, "sender name"))
    for address, source in ((reply_to, "reply-to"), (sender_address, "sender domain")):
        if value := _company_from_domain(address):
            votes.append(Guess(value, 0.4, source))
    if not votes:
        return Guess()
    # Two sources naming the same employer make it likely.
    best = max(votes, key=lambda g: g.confidence)
    agreeing = [
        g
        for g in votes
        if g is not best
        and (g.value.lower() in best.value.lower() or best.value.lower() in g.value.lower())
    ]
    if agreeing:
        longest = max([best, *agreeing], key=lambda g: (g.confidence, len(g.value)))
        return Guess(longest.value, round(min(0.95, best.confidence + 0.2), 2), best.source)
    return best


def _tidy_role(value: str) -> str:
    value = " ".join(value.split()).strip(" \t\"'“”.,:;!-|")
    value = re.sub(r"\s+(?:position|role|opening|vacancy|job)$", "", value, flags=re.I)
    value = re.sub(r"\s*\((?:m/w/d|f/m/d|m/f/d|w/m/d|all genders)\)$", "", value, flags=re.I)
    value = re.sub(r"\s*(?:#|req\.?|job id:?)\s*[\w-]+$", "", value, flags=re.I)
    if len(value) < 2 or len(value) > 100 or _ROLE_STOP.match(value):
        return ""
    if len(value.split()) > 9:
        return ""
    return value


def _guess_role(*, subject: str, text: str) -> Guess:
    for source, haystack in (("subject", subject), ("body", text[:5000])):
        for pattern in _ROLE_PATTERNS:
            for match in pattern.finditer(haystack):
                if value := _tidy_role(match.group("role")):
                    return Guess(value, 0.75 if source == "subject" else 0.65, source)
    for pattern in _SUBJECT_ROLE:
        hit = pattern.search(subject)
        if hit and (value := _tidy_role(hit.group("role"))):
            return Guess(value, 0.45, "subject")
    return Guess()


# --- The parser ---------------------------------------------------------------------


def _address_list(message: Message, *names: str) -> tuple[str, ...]:
    values = [_header(message, name) for name in names]
    addresses = [address.lower() for _, address in getaddresses([v for v in values if v])]
    return tuple(dict.fromkeys(a for a in addresses if "@" in a))


def _authentication_failed(message: Message) -> bool:
    try:
        results = message.get_all("Authentication-Results") or []
    except Exception:  # noqa: BLE001
        return False
    return any(
        re.search(r"\b(?:dkim|spf|dmarc)\s*=\s*(?:fail|permerror)\b", str(value), re.I)
        for value in results
    )


def _body_hash(text: str) -> str:
    normal = " ".join(text.lower().split())
    return hashlib.sha256(normal.encode("utf-8")).hexdigest()


def _parse_bytes(raw: bytes) -> EmailMessage:
    try:
        message = email.message_from_bytes(raw, policy=POLICY)
    except RecursionError as exc:  # the pre-check should make this unreachable
        raise LetterError("The message is nested too deeply: it cannot be read safely.") from exc
    if not isinstance(message, EmailMessage):  # pragma: no cover - policy.default gives one
        raise LetterError("This is not an email message.")
    return message


@dataclass
class _Origin:
    """Who sent the letter, when, and what it says: from the headers, then from
    a forwarded block when there is one."""

    subject: str
    sender_name: str
    sender_address: str
    reply_to: str
    text: str
    received_at: datetime.datetime | None = None
    received_day: datetime.date | None = None
    received_confidence: float = 0.0
    forwarded: bool = False


def _body_text(walked: _Walk) -> str:
    if walked.plain:
        return "\n\n".join(p.strip() for p in walked.plain if p.strip())
    return "\n\n".join(html_to_text(h) for h in walked.html)


def _origin_from_headers(message: Message, walked: _Walk) -> _Origin:
    name, address = parseaddr(_header(message, "From"))
    origin = _Origin(
        subject=_header(message, "Subject"),
        sender_name=name,
        sender_address=address.lower(),
        reply_to=parseaddr(_header(message, "Reply-To"))[1].lower(),
        text=_body_text(walked),
    )
    date_header = _header(message, "Date")
    try:
        moment = parsedate_to_datetime(date_header) if date_header else None
    except (TypeError, ValueError, IndexError):
        moment = None
    if moment is not None and moment.tzinfo is not None:
        origin.received_at, origin.received_confidence = moment, 0.9
    elif moment is not None:
        origin.received_day, origin.received_confidence = moment.date(), 0.6
    return origin


# What a forwarded block in the text starts with, in every client's style
# ("---------- Forwarded message ---------", "Begin forwarded message:",
# "-----Original Message-----", Outlook's "From: ... Sent: ..." block). Not the
# bare word "forward": rejections "move forward with other candidates", and
# quotequail would read each of them line by line for nothing.
_FORWARD_MARKERS = ("forwarded", "original message", "\nfrom:")


def _forwarded_inline(origin: _Origin) -> bool:
    """A forwarded block in the text (Gmail, Outlook, Apple Mail, Thunderbird)."""
    text = origin.text
    if not text:
        return False
    if not _FORWARD_SUBJECT.match(origin.subject):
        head = "\n" + text[:3000].lower()
        if not any(marker in head for marker in _FORWARD_MARKERS):
            return False
    unwrapped = quotequail.unwrap(text[:MAX_TEXT_CHARS])
    if not unwrapped or unwrapped.get("type") != "forward":
        return False
    origin.forwarded = True
    name, address = parseaddr(_clean(unwrapped.get("from", "")))
    if address:
        origin.sender_name, origin.sender_address = name, address.lower()
    if unwrapped.get("subject"):
        origin.subject = " ".join(unwrapped["subject"].split())
    if unwrapped.get("reply-to"):
        origin.reply_to = parseaddr(unwrapped["reply-to"])[1].lower()
    at, day, confidence = _loose_date(unwrapped.get("date", ""))
    if confidence:
        origin.received_at, origin.received_day, origin.received_confidence = at, day, confidence
    else:
        # Forwarded without a date: the forward's own date is only an upper bound.
        origin.received_confidence = min(origin.received_confidence, 0.3)
    origin.text = (unwrapped.get("text") or "").strip() or text
    return True


def _forwarded_attached(origin: _Origin, inner: Message, deadline: float) -> None:
    """Forwarded as an attachment (message/rfc822): the inner message is the letter."""
    origin.forwarded = True
    name, address = parseaddr(_header(inner, "From"))
    if address:
        origin.sender_name, origin.sender_address = name, address.lower()
    origin.subject = _header(inner, "Subject") or origin.subject
    origin.reply_to = parseaddr(_header(inner, "Reply-To"))[1].lower() or origin.reply_to
    at, day, confidence = _loose_date(_header(inner, "Date"))
    if confidence:
        origin.received_at, origin.received_day = at, day
        origin.received_confidence = max(confidence, 0.85)
    origin.text = _body_text(_walk(inner, deadline)).strip() or origin.text


def parse_letter(raw: bytes, *, max_seconds: float = MAX_SECONDS) -> ParsedLetter:
    """Parse one message. Raises LetterError (with a sentence) for what it cannot read."""
    deadline = time.monotonic() + max_seconds
    _check_bytes(raw)
    message = _parse_bytes(raw)
    if not any(_header(message, name) for name in ("From", "Subject", "Date", "Message-ID")):
        raise LetterError("This is not an email message: it has no From, Subject or Date.")
    try:
        walked = _walk(message, deadline)
    except RecursionError as exc:
        raise LetterError("The message is nested too deeply: it cannot be read safely.") from exc
    origin = _origin_from_headers(message, walked)
    envelope_from = origin.sender_address
    if time.monotonic() > deadline:
        raise LetterError("The message took too long to read.")
    if (
        not _forwarded_inline(origin)
        and walked.inner_messages
        and _FORWARD_SUBJECT.match(origin.subject)
    ):
        _forwarded_attached(origin, walked.inner_messages[0], deadline)
    subject = _REPLY_SUBJECT.sub("", _FORWARD_SUBJECT.sub("", origin.subject)).strip()
    text = _clean(origin.text).strip()[:MAX_TEXT_CHARS]

    classification: Classification = classify(
        subject=subject, text=text, has_calendar=walked.has_calendar
    )
    company = _guess_company(
        sender_name=origin.sender_name,
        sender_address=origin.sender_address,
        reply_to=origin.reply_to,
        subject=subject,
        text=text,
    )
    role = _guess_role(subject=subject, text=text)
    if company.value and role.value and role.value.lower() == company.value.lower():
        role = Guess()
    return ParsedLetter(
        message_id=_header(message, "Message-ID").strip("<> ")[:255],
        subject=subject[:255],
        sender_name=origin.sender_name[:200],
        sender_address=origin.sender_address[:254],
        envelope_from=envelope_from[:254],
        recipients=_address_list(
            message, "Delivered-To", "X-Original-To", "Envelope-To", "To", "Cc"
        ),
        company=company,
        role=role,
        received_at=origin.received_at,
        received_day=origin.received_day,
        received_confidence=origin.received_confidence,
        forwarded=origin.forwarded,
        text=text,
        kind=classification.kind,
        kind_score=classification.score,
        rejection_score=classification.rejection_score,
        matched_phrases=classification.matched,
        attachments=tuple(walked.attachments),
        authentication_failed=_authentication_failed(message),
        body_hash=_body_hash(text or subject),
        warnings=tuple(walked.warnings),
    )
