"""The embedded broker: kombu's filesystem transport, each message written whole.

kombu's writer opens a message's file under its final name, then locks it and
writes; its reader takes no lock, and can move and read the file between the
open and the write. It then reads nothing, fails to decode it, and the worker
stops ("Unrecoverable error: JSONDecodeError"): seen a second after a worker
with beat started on the embedded defaults. Here a message is written under a
name the reader passes over, then renamed to its final name, which is atomic
within one filesystem: a reader sees the whole message or none of it.

An exchange's table of queues (control/<exchange>.exchange, read at every
publish) had the same gap: created empty, then locked and written, so a
publisher could read it empty in between, and two processes binding at their
first start could both create it. Here a table is changed under a lock file of
its own and written in the same way. (A process killed between a write and its
rename leaves a ".part" file, which nothing reads.)
"""

import uuid
from collections.abc import Callable
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
TRANSPORT = "config.broker:Transport"


def transport_options(folder: Path) -> dict[str, Any]:
    """The options of a broker kept under `folder`, its folders created. Both
    directions share one folder, so a worker on this host reads what beat wrote."""
    for name in ("queue", "processed", "control"):
        (folder / name).mkdir(parents=True, exist_ok=True)
    return {
        "data_folder_in": str(folder / "queue"),
        "data_folder_out": str(folder / "queue"),
        "processed_folder": str(folder / "processed"),
        "control_folder": str(folder / "control"),
        "store_processed": False,
        "polling_interval": 0.1,
    }


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

    def _queue_bind(self, exchange: Any, routing_key: Any, pattern: Any, queue: Any) -> None:
        entry = filesystem.exchange_queue_t(routing_key or "", pattern or "", queue or "")

        def bind(queues: list[Any]) -> bool:
            if entry in queues:
                return False
            queues.insert(0, entry)  # where kombu puts it
            return True

        self._change_table(exchange, bind)

    def _delete(
        self, queue: Any, exchange: Any, routing_key: Any, pattern: Any, *args: Any, **kwargs: Any
    ) -> None:
        # The virtual channel's own bookkeeping, then the table, as kombu does.
        super(filesystem.Channel, self)._delete(
            queue, exchange, routing_key, pattern, *args, **kwargs
        )
        entry = filesystem.exchange_queue_t(routing_key or "", pattern or "", queue or "")

        def unbind(queues: list[Any]) -> bool:
            if entry not in queues:
                return False
            queues.remove(entry)
            return True

        self._change_table(exchange, unbind)

    def _change_table(self, exchange: Any, change: Callable[[list[Any]], bool]) -> None:
        """Read, change and write an exchange's table under its lock file; the
        table itself is replaced whole, so get_table() reads one or the other."""
        table = self._exchange_file(exchange)
        self.control_folder.mkdir(exist_ok=True)
        try:
            with table.with_name(table.name + ".lock").open("a") as guard:
                filesystem.lock(guard, filesystem.LOCK_EX)
                try:
                    queues = self.get_table(exchange)
                    if change(queues):
                        partial = table.with_name(table.name + PARTIAL_SUFFIX)
                        partial.write_bytes(str_to_bytes(dumps(queues)))  # type: ignore[call-arg]
                        partial.replace(table)
                finally:
                    filesystem.unlock(guard)
        except OSError as exc:
            raise ChannelError(f"Cannot open {table}") from exc


class Transport(filesystem.Transport):
    Channel = Channel
