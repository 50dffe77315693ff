"""gateway.archive: durability, idempotence, concurrency, streaming, corruption, export."""
from __future__ import annotations

import gzip
import hashlib
import multiprocessing
import os
import tracemalloc
from pathlib import Path

import pytest

from gateway import archive as archive_mod
from gateway.archive import Archive, ArchiveCorrupt, ArchiveError, ArchiveMissing, read_manifest

DATA = b"ISA*00*          *00*          *ZZ*SENDER~" * 200


def sha(b: bytes) -> str:
    return hashlib.sha256(b).hexdigest()


def make_writable_and_edit(path: Path, offset: int, value: bytes) -> None:
    os.chmod(path, 0o644)
    raw = bytearray(path.read_bytes())
    raw[offset:offset + len(value)] = value
    path.write_bytes(bytes(raw))


def test_put_read_roundtrip_layout_and_format(tmp_path):
    a = Archive(tmp_path / "arc")
    ref = a.put(DATA)
    assert ref.sha256 == sha(DATA) and ref.size == len(DATA)
    p = a.path(ref.sha256)
    assert p == tmp_path / "arc" / "objects" / ref.sha256[:2] / ref.sha256[2:4] / f"{ref.sha256}.gz"
    assert p.stat().st_size == ref.stored_size < len(DATA)
    assert gzip.decompress(p.read_bytes()) == DATA  # operators can zcat objects
    assert a.read(ref.sha256) == DATA and a.exists(ref.sha256) and a.verify(ref.sha256)
    assert list(a.iter_objects()) == [ref.sha256]
    fmt = (tmp_path / "arc" / "archive.json").read_text()
    assert '"compression": "gzip"' in fmt and '"format": 1' in fmt
    assert a.put(b"").size == 0 and a.read(sha(b"")) == b""


def test_zlib_codec_readable_by_gzip_archive(tmp_path):
    z = Archive(tmp_path / "arc", compression="zlib")
    ref = z.put(DATA)
    assert z.path(ref.sha256).suffix == ".zz"
    assert Archive(tmp_path / "arc").read(ref.sha256) == DATA  # format change keeps old objects readable
    with pytest.raises(ArchiveError):
        Archive(tmp_path / "x", compression="lz4")


def test_put_durability_order(tmp_path, monkeypatch):
    a = Archive(tmp_path / "arc")
    calls: list[tuple[str, str]] = []
    real_fsync, real_replace = os.fsync, os.replace

    def fsync(fd):
        calls.append(("fsync", os.readlink(f"/proc/self/fd/{fd}")))
        return real_fsync(fd)

    def replace(src, dst):
        calls.append(("replace", str(dst)))
        return real_replace(src, dst)

    monkeypatch.setattr(archive_mod.os, "fsync", fsync)
    monkeypatch.setattr(archive_mod.os, "replace", replace)
    ref = a.put(DATA)
    final = str(a.path(ref.sha256))
    i = calls.index(("replace", final))
    before, after = calls[:i], calls[i + 1:]
    # the temp file (in the object's own directory) is fsynced before the rename ...
    assert any(k == "fsync" and os.path.dirname(t) == os.path.dirname(final)
               and os.path.basename(t).startswith(".tmp-") for k, t in before)
    # ... and the directory after it
    assert ("fsync", os.path.dirname(final)) in after
    # new parent directories were fsynced too
    assert ("fsync", str(tmp_path / "arc" / "objects" / ref.sha256[:2])) in before
    assert oct(os.stat(final).st_mode & 0o777) == oct(0o444)

    calls.clear()
    ref2 = a.put_stream(iter([b"abc", b"def"]))
    final2 = str(a.path(ref2.sha256))
    i = calls.index(("replace", final2))
    assert any(k == "fsync" and t.startswith(str(tmp_path / "arc" / "tmp")) for k, t in calls[:i])
    assert ("fsync", os.path.dirname(final2)) in calls[i + 1:]


def test_idempotent_put_does_not_rewrite(tmp_path, monkeypatch):
    a = Archive(tmp_path / "arc")
    ref = a.put(DATA)
    ino = a.path(ref.sha256).stat().st_ino
    replaced = []
    monkeypatch.setattr(archive_mod.os, "replace", lambda s, d: replaced.append(d))
    assert a.put(DATA) == ref
    assert a.put_stream([DATA[:10], DATA[10:]]) == ref
    assert replaced == []
    assert a.path(ref.sha256).stat().st_ino == ino
    assert os.listdir(tmp_path / "arc" / "tmp") == []  # the stream's temp file was removed


def test_corrupt_object_detected_and_repaired_by_put(tmp_path):
    a = Archive(tmp_path / "arc")
    ref = a.put(DATA)
    p = a.path(ref.sha256)
    make_writable_and_edit(p, p.stat().st_size // 2, b"\x00\xff\x00")
    assert a.status(ref.sha256) == "corrupt" and not a.verify(ref.sha256)
    with pytest.raises(ArchiveCorrupt) as e:
        a.read(ref.sha256)
    assert ref.sha256 in str(e.value)
    # a put of the true bytes repairs it; the damaged file is kept in quarantine
    a.put(DATA)
    assert a.verify(ref.sha256)
    assert len(os.listdir(tmp_path / "arc" / "quarantine")) == 1


def test_substituted_object_detected(tmp_path):
    a = Archive(tmp_path / "arc")
    ref = a.put(DATA)
    p = a.path(ref.sha256)
    os.chmod(p, 0o644)
    p.write_bytes(gzip.compress(DATA.replace(b"SENDER", b"SENDEX")))  # valid gzip, other content
    assert not a.verify(ref.sha256)
    with pytest.raises(ArchiveCorrupt, match="content hashes to"):
        a.read(ref.sha256)
    p.write_bytes(gzip.compress(DATA)[:-5])  # truncated
    with pytest.raises(ArchiveCorrupt, match="truncated"):
        a.read(ref.sha256)
    p.write_bytes(gzip.compress(DATA) + b"junk")
    with pytest.raises(ArchiveCorrupt, match="trailing"):
        a.read(ref.sha256)


def test_missing_and_invalid_names(tmp_path):
    a = Archive(tmp_path / "arc")
    with pytest.raises(ArchiveMissing) as e:
        a.read("ab" * 32)
    assert isinstance(e.value, ArchiveError) and e.value.sha256 == "ab" * 32
    assert not a.exists("ab" * 32) and a.locate("ab" * 32) is None and a.status("ab" * 32) == "missing"
    for bad in ("../../etc/passwd", "AB" * 32, "ab" * 31):
        with pytest.raises(ValueError):
            a.read(bad)


def _worker(root: str, barrier, payloads: list[bytes], rounds: int, queue) -> None:
    a = Archive(Path(root))
    barrier.wait()
    refs = []
    for _ in range(rounds):
        for i, p in enumerate(payloads):
            refs.append((a.put_stream([p[:7], p[7:]]) if i % 2 else a.put(p)).sha256)
    queue.put(refs)


def test_concurrent_puts_from_processes(tmp_path):
    ctx = multiprocessing.get_context("fork")
    shared = [b"shared-%d " % i * 5000 for i in range(5)]
    n = 4
    barrier = ctx.Barrier(n)
    queue = ctx.Queue()
    procs = []
    for w in range(n):
        own = [b"own-%d-%d " % (w, i) * 3000 for i in range(3)]
        procs.append(ctx.Process(target=_worker, args=(str(tmp_path / "arc"), barrier, shared + own, 5, queue)))
    for p in procs:
        p.start()
    results = [queue.get(timeout=60) for _ in procs]
    for p in procs:
        p.join(60)
        assert p.exitcode == 0
    a = Archive(tmp_path / "arc")
    expected = {sha(b) for b in shared} | {sha(b"own-%d-%d " % (w, i) * 3000) for w in range(n) for i in range(3)}
    assert set(a.iter_objects()) == expected
    assert all(set(r) <= expected for r in results)
    assert all(a.verify(s) for s in expected)
    leftovers = [f for d, _, fs in os.walk(tmp_path / "arc") for f in fs if f.startswith(".tmp-")]
    assert leftovers == []


def _chunks(total: int, size: int = 64 * 1024):
    block = hashlib.sha256(b"seed").digest() * (size // 32)
    for i in range(total // size):
        yield i.to_bytes(8, "big") + block[8:]


def test_streaming_put_and_open_bounded_memory(tmp_path):
    a = Archive(tmp_path / "arc", level=1)
    total = 50 * 1024 * 1024
    h = hashlib.sha256()
    for c in _chunks(total):
        h.update(c)
    tracemalloc.start()
    try:
        ref = a.put_stream(_chunks(total))
        _, peak_put = tracemalloc.get_traced_memory()
        tracemalloc.reset_peak()
        out = hashlib.sha256()
        n = 0
        with a.open(ref.sha256) as f:
            while chunk := f.read(256 * 1024):
                out.update(chunk)
                n += len(chunk)
        _, peak_read = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert ref.sha256 == h.hexdigest() and ref.size == total and n == total
    assert out.hexdigest() == ref.sha256
    assert peak_put < 4 * 1024 * 1024, peak_put
    assert peak_read < 4 * 1024 * 1024, peak_read


def test_export_moves_with_manifest_and_stays_readable(tmp_path):
    a = Archive(tmp_path / "arc")
    keep = a.put(b"recent")
    old = [a.put(b"old file %d" % i) for i in range(3)]
    exp = tmp_path / "exports" / "2026"
    rep = a.export([r.sha256 for r in old] + ["cd" * 32], exp, reason="retention: older than 7 years")
    assert [r.sha256 for r in rep.exported] == [r.sha256 for r in old]
    assert rep.missing == ("cd" * 32,) and rep.corrupt == () and rep.bytes_moved == sum(r.stored_size for r in old)
    for r in old:
        assert not a.path(r.sha256).exists()  # gone from the main store
        assert (exp / "objects" / r.sha256[:2] / r.sha256[2:4] / f"{r.sha256}.gz").exists()
        assert a.locate(r.sha256).is_relative_to(exp)
        assert a.read(r.sha256).startswith(b"old file")
    assert set(a.iter_objects()) == {keep.sha256}
    assert set(a.iter_objects(include_exported=True)) == {keep.sha256} | {r.sha256 for r in old}
    lines = list(read_manifest(exp))
    assert [(m["sha256"], m["size"], m["reason"], m["verified"]) for m in lines] == \
        [(r.sha256, r.size, "retention: older than 7 years", True) for r in old]
    assert all(m["exported_at"].endswith("Z") for m in lines)
    # a fresh Archive finds the export folder through the registry
    fresh = Archive(tmp_path / "arc")
    assert fresh.read(old[0].sha256) == b"old file 0"
    # exporting again is reported, not repeated; the manifest only grows
    rep2 = a.export([old[0].sha256], tmp_path / "exports" / "other", reason="again")
    assert rep2.already_exported == (old[0].sha256,) and rep2.exported == ()
    a.export([keep.sha256], exp, reason="second batch")
    assert len(list(read_manifest(exp))) == 4
    # an explicitly passed export folder works without the registry
    os.unlink(tmp_path / "arc" / "exports.jsonl")
    assert Archive(tmp_path / "arc").locate(keep.sha256) is None
    assert Archive(tmp_path / "arc", export_dirs=[exp]).read(keep.sha256) == b"recent"
    with pytest.raises(ValueError):
        a.export([keep.sha256], exp, reason=" ")


def test_export_moves_corrupt_objects_too(tmp_path):
    a = Archive(tmp_path / "arc")
    ref = a.put(DATA)
    p = a.path(ref.sha256)
    make_writable_and_edit(p, p.stat().st_size // 2, b"\x00\xff\x00")
    rep = a.export([ref.sha256], tmp_path / "exp", reason="retention")
    assert rep.corrupt == (ref.sha256,)
    assert not p.exists() and a.locate(ref.sha256) is not None  # moved, not deleted
    assert [m["verified"] for m in read_manifest(tmp_path / "exp")] == [False]


def test_export_interrupted_before_unlink_is_resumable(tmp_path, monkeypatch):
    a = Archive(tmp_path / "arc")
    ref = a.put(DATA)

    def boom(path):
        raise OSError("crash before unlink")

    monkeypatch.setattr(archive_mod.os, "unlink", boom)
    with pytest.raises(OSError):
        a.export([ref.sha256], tmp_path / "exp", reason="r")
    monkeypatch.undo()
    assert a.path(ref.sha256).exists()  # nothing lost: still in the store, copy in the export
    rep = a.export([ref.sha256], tmp_path / "exp", reason="r")
    assert [r.sha256 for r in rep.exported] == [ref.sha256]
    assert not a.path(ref.sha256).exists() and a.read(ref.sha256) == DATA


def test_cleanup_temp_removes_only_old_leftovers(tmp_path):
    a = Archive(tmp_path / "arc")
    old = tmp_path / "arc" / "tmp" / ".tmp-crashed"
    old.write_bytes(b"x")
    os.utime(old, (1, 1))
    fresh = tmp_path / "arc" / "tmp" / ".tmp-inflight"
    fresh.write_bytes(b"y")
    assert a.cleanup_temp() == [old]
    assert fresh.exists() and not old.exists()
