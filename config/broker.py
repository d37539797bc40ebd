"""The embedded broker: kombu's filesystem transport, each message written whole.

kombu's writer opens a message's file under its final name, then locks it and
writes; its reader takes no lock, and can move and read the file between the
open and the write. It then reads nothing, fails to decode it, and the worker
stops ("Unrecoverable error: JSONDecodeError"): seen a second after a worker
with beat started on the embedded defaults. Here a message is written under a
name the reader passes over, then renamed to its final name, which is atomic
within one filesystem: a reader sees the whole message or none of it.
"""

import uuid
from pathlib import Path
from time import monotonic
from typing import Any

# celery-types' stubs know neither ChannelError nor dumps' defaults.
from kombu.exceptions import ChannelError  # type: ignore[attr-defined]
from kombu.transport import filesystem
from kombu.utils.encoding import str_to_bytes
from kombu.utils.json import dumps

# The reader takes the files whose name, after the first dot, is "<queue>.msg".
PARTIAL_SUFFIX = ".part"


class Channel(filesystem.Channel):
    # The stubs name _put's second argument "message" in the base class and
    # "payload" in kombu's filesystem channel: no override satisfies both.
    def _put(self, queue: Any, payload: Any, **kwargs: Any) -> None:  # type: ignore[override]
        """Put `payload` onto `queue` under the name kombu gives it (its reader
        takes the oldest first), written in full before it has that name."""
        name = f"{round(monotonic() * 1000)}_{uuid.uuid4()}.{queue}.msg"
        final = Path(self.data_folder_out) / name
        partial = final.with_name(name + PARTIAL_SUFFIX)
        try:
            partial.write_bytes(str_to_bytes(dumps(payload)))  # type: ignore[call-arg]
            partial.replace(final)
        except OSError as exc:
            raise ChannelError(f"Cannot add file {final!r} to directory") from exc


class Transport(filesystem.Transport):
    Channel = Channel
