"""The embedded broker (config/broker.py): kombu's filesystem transport with
each message written whole, so a reader never takes a message half written."""

from queue import Empty

import pytest
from kombu import Connection

from config import broker


def _connection(folder):
    return Connection(
        "filesystem://",
        transport=broker.TRANSPORT,
        transport_options=broker.transport_options(folder),
    )


def test_the_settings_use_it_with_the_filesystem_broker(settings):
    assert settings.CELERY_BROKER_URL.startswith("filesystem://") == (
        getattr(settings, "CELERY_BROKER_TRANSPORT", None) == broker.TRANSPORT
    )


def test_a_reader_between_the_write_and_the_rename_takes_nothing(tmp_path, monkeypatch):
    seen_mid_put: list[object] = []
    with _connection(tmp_path) as connection:
        channel = connection.default_channel
        rename = broker.Path.replace

        def reader_runs_first(partial, final):
            if final.suffix != ".msg":  # the exchange's table, when the queue is bound
                return rename(partial, final)
            # kombu's own reader, while the message is written but not yet renamed.
            assert partial.read_bytes()
            try:
                seen_mid_put.append(channel._get("sweeps"))
            except Empty:
                seen_mid_put.append(None)
            return rename(partial, final)

        monkeypatch.setattr(broker.Path, "replace", reader_runs_first)
        queue = connection.SimpleQueue("sweeps")
        queue.put({"task": "sweep", "n": 1})
        assert seen_mid_put == [None]
        message = queue.get(timeout=1)
        assert message.payload == {"task": "sweep", "n": 1}
        message.ack()
        with pytest.raises(Empty):
            queue.get(timeout=0.1)
        queue.close()
    assert not list((tmp_path / "queue").iterdir())


def test_a_publisher_reading_the_exchange_table_mid_bind_reads_a_whole_table(tmp_path, monkeypatch):
    """kombu created the table empty and then wrote it: a publish in between
    (get_table, at every publish) failed to decode it and stopped the worker."""
    read_mid_bind: list[object] = []
    with _connection(tmp_path) as connection:
        channel = connection.default_channel
        rename = broker.Path.replace

        def publisher_reads_first(partial, final):
            if final.suffix == ".exchange":
                read_mid_bind.append([q.queue for q in channel.get_table("celery")])
            return rename(partial, final)

        monkeypatch.setattr(broker.Path, "replace", publisher_reads_first)
        channel._queue_bind("celery", "sweeps", None, "sweeps")
        channel._queue_bind("celery", "sends", None, "sends")
        channel._queue_bind("celery", "sends", None, "sends")  # bound already: unchanged
        assert read_mid_bind == [[], ["sweeps"]]
        assert [q.queue for q in channel.get_table("celery")] == ["sends", "sweeps"]
        channel._delete("sweeps", "celery", "sweeps", None)
        assert [q.queue for q in channel.get_table("celery")] == ["sends"]
    assert not [p for p in (tmp_path / "control").iterdir() if p.name.endswith(".part")]
