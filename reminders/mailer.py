"""One SMTP connection per worker process (per thread), reused across sends,
with the whole conversation of each message bounded in time.

A fresh connection per email costs a TCP handshake, the greeting, EHLO (and
STARTTLS and AUTH where configured) on both ends: most of an email's SMTP time.
Reuse changes nothing in what a failure means: any error drops the connection
(the next send opens a fresh one) and reaches the caller, which counts it
against that one reminder. Only Django's SMTP backend is kept open; the file,
console and in-memory backends get a new instance per message, as before.

Time: `EMAIL_TIMEOUT` bounds each socket read, so a server trickling its
greeting a byte at a time could hold a worker for ever. `AJAR_SMTP_DEADLINE_SECONDS`
bounds the whole conversation of one message (connect, greeting, EHLO, TLS,
AUTH, MAIL, RCPT, DATA and its reply): a watchdog shuts the socket down when it
passes, which wakes the blocked read at once.

What a failure means: a reply (4xx, 5xx) is definite, and so is any failure
before the end of DATA: the server has not taken the message. A timeout or a
lost connection while waiting for the reply to the end of DATA is not: the
server may have queued the message. That one raises `PossiblyDelivered`.
"""

from __future__ import annotations

import contextlib
import functools
import math
import os
import smtplib
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.core.mail.backends.smtp import EmailBackend as SmtpBackend
from django.core.mail.message import sanitize_address
from django.utils.module_loading import import_string

from reminders import mime

# Servers drop idle clients (RFC 5321 asks them to wait at least 5 minutes;
# some wait less): an idle connection is replaced rather than risked, so a
# server's idle timeout never turns into a failed attempt.
IDLE_SECONDS = 30.0
# A connection idle longer than this is checked with a NOOP before it is
# reused (one round trip); under load it never idles that long.
NOOP_AFTER_SECONDS = 1.0
# Some servers cap the messages of one session.
MAX_MESSAGES = 100


class PossiblyDelivered(Exception):
    """The server went silent (or away) after the end of DATA: it may have
    accepted the message. Transient, but a retry may deliver a second copy."""


class DeadlineExceeded(TimeoutError):
    pass


# --- The conversation deadline ------------------------------------------------------


@dataclass
class _Deadline:
    seconds: float
    smtp: smtplib.SMTP | None = None
    fired: threading.Event = field(default_factory=threading.Event)

    def fire(self) -> None:
        self.fired.set()
        sock = getattr(self.smtp, "sock", None)
        if sock is not None:
            # Wakes a read blocked in another thread; the read then sees EOF.
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)


_local = threading.local()


class _Watchdog:
    """One thread per process fires the deadline of the conversation under
    way (one per sending thread): a thread per email would cost more than
    the rest of the send's bookkeeping. Arming wakes the thread only when it
    would otherwise sleep past the new deadline: every deadline has the same
    length, so under load the thread wakes about once per deadline."""

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._armed: dict[int, tuple[float, _Deadline]] = {}
        self._wakes_at = math.inf
        self._pid = 0

    def _ensure_thread(self) -> None:
        if self._pid != os.getpid():  # none yet, or inherited across a fork
            self._pid = os.getpid()
            self._cond = threading.Condition()
            self._armed = {}
            self._wakes_at = math.inf
            threading.Thread(target=self._run, daemon=True, name="smtp-deadline").start()

    def arm(self, deadline: _Deadline) -> None:
        self._ensure_thread()
        at = time.monotonic() + deadline.seconds
        with self._cond:
            self._armed[id(deadline)] = (at, deadline)
            if at < self._wakes_at:
                self._cond.notify()

    def disarm(self, deadline: _Deadline) -> None:
        with self._cond:
            self._armed.pop(id(deadline), None)

    def _run(self) -> None:
        cond = self._cond
        with cond:
            while True:
                now = time.monotonic()
                for at, deadline in list(self._armed.values()):
                    if at <= now:
                        self._armed.pop(id(deadline), None)
                        deadline.fire()
                self._wakes_at = min((at for at, _d in self._armed.values()), default=math.inf)
                cond.wait(None if self._wakes_at == math.inf else self._wakes_at - now)


_watchdog = _Watchdog()


@contextlib.contextmanager
def _deadline(seconds: float) -> Iterator[_Deadline]:
    deadline = _Deadline(seconds=seconds)
    _local.deadline = deadline
    _watchdog.arm(deadline)
    try:
        yield deadline
    finally:
        _watchdog.disarm(deadline)
        _local.deadline = None


class _Conversation:
    """smtplib.SMTP that tells the deadline its socket and knows whether it
    is waiting for the reply to the end of DATA."""

    data_started = False
    awaiting_data_reply = False

    def _get_socket(self, host: str, port: int, timeout: float) -> socket.socket:
        deadline = getattr(_local, "deadline", None)
        if deadline is not None:
            deadline.smtp = self
        return super()._get_socket(host, port, timeout)  # type: ignore[misc]

    def data(self, msg: Any) -> tuple[int, bytes]:
        self.data_started = True
        return super().data(msg)  # type: ignore[misc]

    def send(self, s: Any) -> None:
        super().send(s)  # type: ignore[misc]
        if self.data_started and isinstance(s, bytes) and s.endswith(b"\r\n.\r\n"):
            self.awaiting_data_reply = True

    def getreply(self) -> tuple[int, bytes]:
        reply = super().getreply()  # type: ignore[misc]
        self.awaiting_data_reply = False
        return reply

    def rset_state(self) -> None:
        self.data_started = self.awaiting_data_reply = False


class _SMTP(_Conversation, smtplib.SMTP):
    pass


class _SMTPSSL(_Conversation, smtplib.SMTP_SSL):
    pass


@functools.lru_cache(maxsize=4096)
def _sanitized(address: str, encoding: str) -> str:
    """sanitize_address() remembered: it parses the address with the email
    package's header parser, and the sender is the same for every email."""
    return sanitize_address(address, encoding)


class Backend(SmtpBackend):
    """Django's SMTP backend on the connection classes above, writing the
    bytes of a text + HTML email itself (reminders.mime: the same bytes as
    Django's, for a fraction of the CPU)."""

    @property
    def connection_class(self) -> type[smtplib.SMTP]:
        return _SMTPSSL if self.use_ssl else _SMTP

    def _send(self, email_message: EmailMessage) -> bool:
        data = mime.as_bytes(email_message)
        if data is None:
            return bool(super()._send(email_message))  # type: ignore[misc]
        # As Django's _send, with the message's bytes from above.
        if not email_message.recipients():
            return False
        encoding = email_message.encoding or settings.DEFAULT_CHARSET
        from_email = _sanitized(email_message.from_email, encoding)
        recipients = [_sanitized(addr, encoding) for addr in email_message.recipients()]
        assert self.connection is not None
        try:
            self.connection.sendmail(from_email, recipients, data)
        except smtplib.SMTPException:
            if not self.fail_silently:
                raise
            return False
        return True


# --- The kept connection ------------------------------------------------------------


def _key() -> tuple[Any, ...]:
    return (
        settings.EMAIL_BACKEND,
        settings.EMAIL_HOST,
        settings.EMAIL_PORT,
        settings.EMAIL_HOST_USER,
        settings.EMAIL_USE_TLS,
        settings.EMAIL_USE_SSL,
        settings.EMAIL_TIMEOUT,
    )


def _drop(backend: SmtpBackend) -> None:
    """Close the socket without a QUIT: after an error, or on a stale
    connection, a polite goodbye could wait out a whole timeout."""
    for attr in ("connection", "_partial_connection"):
        conn = getattr(backend, attr, None)
        if conn is not None:
            with contextlib.suppress(OSError):
                conn.close()
            setattr(backend, attr, None)


def _forget() -> None:
    _local.backend = None


def _alive(backend: SmtpBackend) -> bool:
    if backend.connection is None:
        return False
    try:
        code, _msg = backend.connection.noop()
    except (smtplib.SMTPException, OSError):
        return False
    return code == 250


def _held(deadline: _Deadline) -> SmtpBackend | None:
    backend: SmtpBackend | None = getattr(_local, "backend", None)
    if backend is None:
        return None
    deadline.smtp = backend.connection
    idle = time.monotonic() - _local.used_at
    if _local.pid != os.getpid():  # inherited across a fork: the parent's socket
        _forget()
        return None
    if (
        _local.key != _key()
        or _local.sent >= MAX_MESSAGES
        or idle > IDLE_SECONDS
        or (idle > NOOP_AFTER_SECONDS and not _alive(backend))
    ):
        _drop(backend)
        _forget()
        return None
    return backend


def _open() -> SmtpBackend:
    backend = Backend(timeout=settings.EMAIL_TIMEOUT)
    try:
        backend.open()
    except BaseException:
        _drop(backend)
        raise
    _local.backend, _local.pid, _local.key, _local.sent = backend, os.getpid(), _key(), 0
    _local.used_at = time.monotonic()
    return backend


def _failure(error: BaseException, deadline: _Deadline) -> BaseException:
    """What the caller should see of `error`."""
    cause = error
    if deadline.fired.is_set():
        cause = DeadlineExceeded(f"SMTP conversation took longer than {deadline.seconds:g} s")
    if getattr(deadline.smtp, "awaiting_data_reply", False) and isinstance(
        error, OSError | smtplib.SMTPServerDisconnected
    ):
        return PossiblyDelivered(f"No reply after the end of DATA ({_text(cause)})")
    return cause


def _text(error: BaseException) -> str:
    if isinstance(error, DeadlineExceeded):
        return str(error)
    if isinstance(error, TimeoutError):
        return f"timeout after {settings.EMAIL_TIMEOUT} s"
    return f"{type(error).__name__}: {error}"


def send(message: EmailMessage) -> None:
    """Send `message` on this process's connection, opening one when there is
    none, within the conversation deadline. Raises what the send raised, or
    DeadlineExceeded, or PossiblyDelivered."""
    if not issubclass(import_string(settings.EMAIL_BACKEND), SmtpBackend):
        message.connection = get_connection(timeout=settings.EMAIL_TIMEOUT)
        message.send()
        return
    seconds = float(settings.AJAR_SMTP_DEADLINE_SECONDS)
    with _deadline(seconds) as deadline:
        try:
            backend = _held(deadline)
            if backend is None:
                _send_on(_open(), message, deadline)
                return
            try:
                _send_on(backend, message, deadline)
            except smtplib.SMTPServerDisconnected:
                if getattr(deadline.smtp, "data_started", True) or deadline.fired.is_set():
                    raise
                # The kept connection was gone before any of the message went
                # out (dropped by the server since the NOOP): once more, fresh.
                _send_on(_open(), message, deadline)
        except BaseException as error:
            failure = _failure(error, deadline)
            if failure is error:
                raise
            raise failure from error


def _send_on(backend: SmtpBackend, message: EmailMessage, deadline: _Deadline) -> None:
    conn = backend.connection
    deadline.smtp = conn
    if isinstance(conn, _Conversation):
        conn.rset_state()
    message.connection = backend
    try:
        message.send()
    except BaseException:
        _drop(backend)
        _forget()
        raise
    _local.sent += 1
    _local.used_at = time.monotonic()


def close() -> None:
    """Say goodbye to the server (worker shutdown)."""
    backend = getattr(_local, "backend", None)
    _forget()
    if backend is not None and _local.pid == os.getpid():
        try:
            backend.close()
        except Exception:  # noqa: BLE001 (shutting down: the server copes with a dropped client)
            _drop(backend)
