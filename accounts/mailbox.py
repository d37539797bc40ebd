"""The development "file mailbox": one .eml file per message.

Django's file backend appends every message of a connection to one .log file;
an .eml per message opens in any mail client and is what the Inbox imports.
"""

import datetime
import uuid
from pathlib import Path

from django.core.mail.backends.filebased import EmailBackend as FileBackend


class EmlFileBackend(FileBackend):
    def write_message(self, message) -> None:
        # Unused: send_messages writes each message to its own file.
        raise NotImplementedError

    def send_messages(self, email_messages) -> int:
        if not email_messages:
            return 0
        folder = Path(self.file_path)  # type: ignore[attr-defined]  # set by the file backend's __init__; the stubs omit it
        folder.mkdir(parents=True, exist_ok=True)
        sent = 0
        with self._lock:
            for message in email_messages:
                stamp = datetime.datetime.now(tz=datetime.UTC).strftime("%Y%m%d-%H%M%S")
                path = folder / f"{stamp}-{uuid.uuid4().hex[:8]}.eml"
                # Written whole, then renamed: a reader never sees half a message.
                partial = path.with_suffix(".part")
                partial.write_bytes(message.message().as_bytes(linesep="\r\n"))
                partial.replace(path)
                sent += 1
        return sent
