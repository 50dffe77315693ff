"""The folder mailbox: pickup rules, crash safety between accept and move, atomic sends."""
from __future__ import annotations

import os
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Optional

import pytest

from edi_mailbox.base import Accepted, InboundFile, SourceChanged
from edi_mailbox.folder import FolderMailbox
from edi_mailbox.pickup import Entry, PickupTracker, UnsafeName, safe_name
from gateway.errors import TransientError


@dataclass(frozen=True)
class Settings:
    inbox: Path
    outbox: Path
    archive: Optional[Path] = None
    temporary_suffix: str = ".part"


class Sink:
    def __init__(self, fail: bool = False) -> None:
        self.files: dict[tuple[str, bytes], str] = {}
        self.calls = 0
        self.fail = fail

    def __call__(self, f: InboundFile) -> Accepted:
        self.calls += 1
        if self.fail:
            raise RuntimeError("store down")
        key = (f.name, f.read())
        if key in self.files:
            return Accepted(self.files[key], duplicate=True)
        self.files[key] = f"doc{len(self.files) + 1}"
        return Accepted(self.files[key])


def _old(path: Path, data: bytes) -> None:
    path.write_bytes(data)
    past = time.time() - 60
    os.utime(path, (past, past))


def _box(tmp_path: Path, archive: bool = True) -> FolderMailbox:
    s = Settings(tmp_path / "in", tmp_path / "out", tmp_path / "done" if archive else None)
    s.inbox.mkdir()
    return FolderMailbox("acme", s)


def test_ready_files_are_accepted_then_archived(tmp_path: Path) -> None:
    box = _box(tmp_path)
    _old(box.inbox / "a.edi", b"ISA...")
    _old(box.inbox / "b.edi.part", b"half")
    _old(box.inbox / ".hidden", b"x")
    sink = Sink()
    report = box.poll(sink)
    assert report.received == 1 and report.skipped == 2
    assert sorted(p.name for p in box.inbox.iterdir()) == [".hidden", "b.edi.part"]
    assert (tmp_path / "done" / "a.edi").read_bytes() == b"ISA..."


def test_growing_file_waits_for_a_stable_second_look(tmp_path: Path) -> None:
    box = _box(tmp_path)
    (box.inbox / "new.edi").write_bytes(b"12")  # modified just now
    sink = Sink()
    assert box.poll(sink).received == 0
    assert box.poll(sink).received == 1  # same size and mtime on the second poll


def test_accept_failure_leaves_the_file(tmp_path: Path) -> None:
    box = _box(tmp_path)
    _old(box.inbox / "a.edi", b"data")
    with pytest.raises(RuntimeError):
        box.poll(Sink(fail=True))
    assert (box.inbox / "a.edi").exists()


def test_crash_between_accept_and_move_is_not_processed_twice(tmp_path: Path, monkeypatch) -> None:
    box = _box(tmp_path, archive=False)
    _old(box.inbox / "a.edi", b"data")
    sink = Sink()

    def crash(path: Path) -> None:
        raise SystemExit("killed")

    monkeypatch.setattr(box, "_dispose", crash)
    with pytest.raises(SystemExit):
        box.poll(sink)
    assert (box.inbox / "a.edi").exists() and len(sink.files) == 1
    monkeypatch.undo()
    report = FolderMailbox("acme", Settings(box.inbox, box.outbox)).poll(sink)
    assert report.received == 0  # recognised as a duplicate, then removed
    assert not (box.inbox / "a.edi").exists() and len(sink.files) == 1 and sink.calls == 2


def test_send_is_atomic_and_sized(tmp_path: Path) -> None:
    box = _box(tmp_path)
    result = box.send("po-1.edi", b"ISA*00~")
    assert result.size == 7 and Path(result.transport_id).read_bytes() == b"ISA*00~"
    assert not list(box.outbox.glob("*.part"))
    with pytest.raises(UnsafeName):
        box.send("../escape.edi", b"x")


def test_missing_inbox_is_transient(tmp_path: Path) -> None:
    box = FolderMailbox("acme", Settings(tmp_path / "nope", tmp_path / "out"))
    with pytest.raises(TransientError, match="acme"):
        box.poll(Sink())


@pytest.mark.parametrize("name", ["", "..", "a/b", "..\\x", "a\x00b", "x\n"])
def test_unsafe_names_are_refused(name: str) -> None:
    with pytest.raises(UnsafeName):
        safe_name(name)


def test_tracker_settles_old_files_at_once() -> None:
    t = PickupTracker(settle_seconds=5)
    sel = t.select([Entry("old", 3, 100.0), Entry("new", 3, 199.0), Entry("x.tmp", 1, 1.0)], now=200.0)
    assert [e.name for e in sel.ready] == ["old"] and [e.name for e in sel.growing] == ["new"]
    assert [e.name for e in sel.temporary] == ["x.tmp"]
    sel = t.select([Entry("new", 4, 199.5)], now=201.0)  # grew: still waiting
    assert not sel.ready
    assert [e.name for e in t.select([Entry("new", 4, 199.5)], now=202.0).ready] == ["new"]


def test_file_changed_while_it_is_read_is_not_accepted(tmp_path: Path) -> None:
    box = _box(tmp_path)
    path = box.inbox / "a.edi"
    _old(path, b"ISA" + b"x" * 300_000)
    taken = []

    def accept(f: InboundFile) -> Accepted:
        assert f.path == str(path) and f.data == b""
        for i, block in enumerate(f.chunks(1 << 16)):
            if i == 1:  # a writer appends while the engine reads
                with open(path, "ab") as fh:
                    fh.write(b"more")
            taken.append(block)
        return Accepted("doc1")

    report = box.poll(accept)
    assert report.received == 0
    assert any("a.edi changed while it was read" in e for e in report.errors)
    assert path.exists()  # left in the inbox for a later poll
    past = time.time() - 60
    os.utime(path, (past, past))
    report = box.poll(Sink())
    assert report.received == 1 and not path.exists()


def test_inbound_file_streams_in_chunks(tmp_path: Path) -> None:
    path = tmp_path / "f"
    path.write_bytes(b"0123456789" * 10)
    f = InboundFile("p", "c", "f", path=str(path), size=100)
    assert [len(b) for b in f.chunks(40)] == [40, 40, 20] and f.read() == path.read_bytes()
    short = InboundFile("p", "c", "f", path=str(path), size=120)
    with pytest.raises(SourceChanged, match="expected 120 bytes, read 100"):
        short.read()
    mem = InboundFile("p", "c", "f", b"abcdef")
    assert list(mem.chunks(4)) == [b"abcd", b"ef"] and mem.read() == b"abcdef"
