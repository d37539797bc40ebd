"""One SMTP connection per worker process (per thread), reused across sends.

A fresh connection per email costs a TCP handshake, the greeting, EHLO (and
STARTTLS and AUTH where configured) on both ends: most of an email's SMTP time.
Reuse changes nothing in what a failure means: any error drops the connection
(the next send opens a fresh one) and reaches the caller, which counts it
against that one reminder. Only Django's SMTP backend is kept open; the file,
console and in-memory backends get a new instance per message, as before.
"""

from __future__ import annotations

import contextlib
import os
import threading
import time

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.core.mail.backends.smtp import EmailBackend as SmtpBackend
from django.utils.module_loading import import_string

# Servers drop idle clients (RFC 5321 asks them to wait at least 5 minutes;
# some wait less): an idle connection is replaced rather than risked, so a
# server's idle timeout never turns into a failed attempt.
IDLE_SECONDS = 30.0
# Some servers cap the messages of one session.
MAX_MESSAGES = 100

_local = threading.local()


def _key() -> tuple:
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
    if backend.connection is not None:
        with contextlib.suppress(OSError):
            backend.connection.close()
        backend.connection = None


def _held() -> SmtpBackend | None:
    backend = getattr(_local, "backend", None)
    if backend is None:
        return None
    if (
        _local.pid != os.getpid()  # inherited across a fork: the parent's socket
        or _local.key != _key()
        or _local.sent >= MAX_MESSAGES
        or time.monotonic() - _local.used_at > IDLE_SECONDS
    ):
        if _local.pid == os.getpid():
            _drop(backend)
        _local.backend = None
        return None
    return backend


def send(message: EmailMessage) -> None:
    """Send `message` with a bounded timeout on this process's connection,
    opening one when there is none. Raises whatever the send raised."""
    if not issubclass(import_string(settings.EMAIL_BACKEND), SmtpBackend):
        message.connection = get_connection(timeout=settings.EMAIL_TIMEOUT)
        message.send()
        return
    backend = _held()
    if backend is None:
        backend = get_connection(timeout=settings.EMAIL_TIMEOUT)
        backend.open()
        _local.backend, _local.pid, _local.key, _local.sent = backend, os.getpid(), _key(), 0
    message.connection = backend
    try:
        message.send()
    except BaseException:
        _drop(backend)
        _local.backend = None
        raise
    _local.sent += 1
    _local.used_at = time.monotonic()


def close() -> None:
    """Say goodbye to the server (worker shutdown)."""
    backend = getattr(_local, "backend", None)
    _local.backend = None
    if backend is not None and _local.pid == os.getpid():
        try:
            backend.close()
        except Exception:  # shutting down: the server copes with a dropped client
            _drop(backend)
