"""A real SMTP server (aiosmtpd) whose handler a test can hold, fail or release."""

import asyncio
import email
import socket
import subprocess
import threading
import time
from dataclasses import dataclass

from aiosmtpd.controller import Controller


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class Received:
    message_id: str
    to: list[str]
    at: float  # time.time() when the server accepted it
    subject: str


class Handler:
    """Records accepted messages. A test may:
    - fail the next DATA commands (`fail_data = ["451 4.3.0 Busy", ...]`),
    - refuse recipients (`refuse_rcpt = "550 5.1.1 No such user"`),
    - answer each DATA `data_delay` seconds late, as a slow relay does,
    - hold the conversation once at "MAIL" (before any content), "DATA" (the whole
      message received, not yet accepted), "ACCEPTED" (the message kept, its
      "250" reply not yet written: the client cannot know it was accepted) or
      "QUIT" (accepted, the client is closing) until `release()`; `held` is set
      while it waits.
    """

    def __init__(self):
        self.received: list[Received] = []
        self.sessions = 0  # EHLO greetings: one per connection
        self.data_attempts: list[tuple[float, str]] = []
        self.fail_data: list[str] = []
        self.refuse_rcpt: str | None = None
        self.data_delay = 0.0
        self.hold_at: str | None = None
        self.held = threading.Event()
        self.held_peer: tuple[str, int] | None = None
        # Set when the client of the held conversation went away (aiosmtpd
        # cancels the handler when the connection is lost).
        self.held_client_gone = threading.Event()
        self._release = threading.Event()
        self._lock = threading.Lock()

    def release(self):
        self.hold_at = None
        self._release.set()

    async def _maybe_hold(self, point: str, session) -> None:
        with self._lock:
            if self.hold_at != point or self.held.is_set():
                return
            self.held_peer = session.peer
            self.held.set()
        try:
            while not self._release.is_set():  # noqa: ASYNC110 (set from another thread)
                await asyncio.sleep(0.05)
        except asyncio.CancelledError:
            self.held_client_gone.set()
            raise

    async def handle_EHLO(self, server, session, envelope, hostname, responses):
        session.host_name = hostname
        with self._lock:
            self.sessions += 1
        return responses

    async def handle_MAIL(self, server, session, envelope, address, mail_options):
        await self._maybe_hold("MAIL", session)
        envelope.mail_from = address
        return "250 OK"

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if self.refuse_rcpt:
            return self.refuse_rcpt
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        await self._maybe_hold("DATA", session)
        if self.data_delay:
            await asyncio.sleep(self.data_delay)
        with self._lock:
            reply = self.fail_data.pop(0) if self.fail_data else None
            self.data_attempts.append((time.time(), reply or "250"))
        if reply:
            return reply
        parsed = email.message_from_bytes(envelope.original_content or envelope.content)
        with self._lock:
            self.received.append(
                Received(
                    message_id=parsed["Message-ID"],
                    to=list(envelope.rcpt_tos),
                    at=time.time(),
                    subject=str(parsed["Subject"]),
                )
            )
        await self._maybe_hold("ACCEPTED", session)
        return "250 Message accepted for delivery"

    async def handle_QUIT(self, server, session, envelope):
        await self._maybe_hold("QUIT", session)
        return "221 Bye"

    def message_ids(self) -> list[str]:
        with self._lock:
            return [r.message_id for r in self.received]


class SmtpServer:
    """aiosmtpd on a free port. `idle_timeout`: the server drops a client idle
    this many seconds between commands (aiosmtpd's default is 5 minutes)."""

    def __init__(self, idle_timeout: float | None = None):
        self.port = free_port()
        self.handler = Handler()
        self.idle_timeout = idle_timeout
        self._controller = None

    @property
    def url(self) -> str:
        return f"smtp://127.0.0.1:{self.port}"

    def start(self):
        kwargs = {"timeout": self.idle_timeout} if self.idle_timeout else {}
        self._controller = Controller(self.handler, hostname="127.0.0.1", port=self.port, **kwargs)
        self._controller.start()

    def established(self) -> int:
        """How many client connections the server holds right now."""
        out = subprocess.run(
            ["ss", "-Htn", "state", "established", f"( sport = :{self.port} )"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        return len(out.splitlines())

    def stop(self):
        if self._controller is not None:
            self.handler.release()
            self._controller.stop()
            self._controller = None


class TrickleServer:
    """A server that greets one byte at a time, for ever: every read returns
    well within the client's timeout, so only a deadline on the whole
    conversation ends it. Records when each connection came and went."""

    GREETING = b"220-trickling, please wait\r\n"

    def __init__(self, every: float = 0.3):
        self.port = free_port()
        self.every = every
        self.connections: list[tuple[float, float | None]] = []
        self._sock = socket.create_server(("127.0.0.1", self.port))
        self._stop = threading.Event()
        self._lock = threading.Lock()

    def start(self):
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        self._sock.settimeout(0.2)
        while not self._stop.is_set():
            try:
                client, _addr = self._sock.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            threading.Thread(target=self._trickle, args=(client,), daemon=True).start()

    def _trickle(self, client: socket.socket):
        with self._lock:
            index = len(self.connections)
            self.connections.append((time.time(), None))
        try:
            while not self._stop.is_set():
                for byte in self.GREETING:
                    client.sendall(bytes([byte]))
                    if self._stop.wait(self.every):
                        return
        except OSError:
            pass  # the client gave up
        finally:
            with self._lock:
                self.connections[index] = (self.connections[index][0], time.time())
            client.close()

    def stop(self):
        self._stop.set()
        self._sock.close()
