"""Content-addressed, compressed archive of every raw and produced file.

Layout (recorded in ``<root>/archive.json`` so it can change later)::

    <root>/archive.json                  format, layout, compression
    <root>/objects/ab/cd/<sha256>.gz     one object: gzip of the bytes (mode 0444)
    <root>/exports.jsonl                 append-only list of export folders used
    <root>/quarantine/                   corrupt objects set aside by a repair

An object's name is the sha256 of its UNCOMPRESSED bytes.  The compression is
named by the file extension (``.gz`` gzip, ``.zz`` zlib); readers accept every
known codec, writers use the one the Archive was built with (gzip by default, so
an operator can ``zcat`` an object).

Durability: an object is written to a temporary file in its final directory
(``put``) or in ``<root>/tmp`` (``put_stream``, whose name is known only at the
end), flushed, fsynced, made read-only, renamed into place, and the directory
is fsynced (new parent directories too).  Several processes may put the same
object at once: each writes its own temporary file and the rename is atomic,
so a reader sees either no object or a complete one.  An existing object that
verifies is never rewritten; an existing object that does not verify is moved
to ``quarantine/`` (kept as evidence, never deleted) and replaced.

Retention: ``export`` MOVES objects into an export folder with the same layout
plus an append-only ``MANIFEST.jsonl`` (sha256, size, exported_at, reason).
Nothing is ever deleted.  Export folders are recorded in ``exports.jsonl`` so
any later ``Archive(root)`` still finds exported objects (``locate``, ``open``,
``read``); more folders can be passed as ``export_dirs``.
"""
from __future__ import annotations

import errno
import hashlib
import io
import json
import os
import re
import shutil
import tempfile
import zlib
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import BinaryIO, Iterable, Iterator, Literal, Sequence

from gateway.errors import GatewayError

FORMAT_VERSION = 1
LAYOUT = "objects/<sha256[0:2]>/<sha256[2:4]>/<sha256>.<ext>"
MANIFEST_NAME = "MANIFEST.jsonl"
EXPORTS_NAME = "exports.jsonl"
FORMAT_NAME = "archive.json"
CHUNK = 64 * 1024
_SHA256 = re.compile(r"^[0-9a-f]{64}$")


@dataclass(frozen=True)
class _Codec:
    name: str
    ext: str
    wbits: int  # zlib window bits: 31 = gzip container, 15 = zlib container


CODECS: dict[str, _Codec] = {
    "gzip": _Codec("gzip", "gz", 31),
    "zlib": _Codec("zlib", "zz", 15),
}
_BY_EXT = {c.ext: c for c in CODECS.values()}


class ArchiveError(GatewayError):
    """Base of the archive's errors."""


class ArchiveMissing(ArchiveError):
    """No object with this sha256 in the store or in any export folder."""

    def __init__(self, sha256: str, searched: Sequence[Path] = ()) -> None:
        where = ", ".join(str(p) for p in searched) or "the archive"
        super().__init__(f"archive object {sha256} is missing (searched {where})")
        self.sha256 = sha256
        self.searched = tuple(searched)


class ArchiveCorrupt(ArchiveError):
    """An object's bytes do not decompress to content with its sha256."""

    def __init__(self, sha256: str, path: Path, detail: str) -> None:
        super().__init__(f"archive object {sha256} at {path} is corrupt: {detail}")
        self.sha256 = sha256
        self.path = path
        self.detail = detail


@dataclass(frozen=True)
class ArchiveRef:
    sha256: str
    size: int  # uncompressed bytes
    stored_size: int  # bytes on disk


@dataclass(frozen=True)
class ExportReport:
    export_dir: Path
    reason: str
    exported: tuple[ArchiveRef, ...]  # moved by this call
    already_exported: tuple[str, ...]  # not in the store, already in an export folder
    missing: tuple[str, ...]  # nowhere to be found (nothing moved)
    corrupt: tuple[str, ...]  # moved anyway (never deleted), flagged in the manifest

    @property
    def bytes_moved(self) -> int:
        return sum(r.stored_size for r in self.exported)


ObjectStatus = Literal["ok", "missing", "corrupt"]


def check_sha256(sha256: str) -> str:
    """Return ``sha256`` if it is 64 lowercase hex digits, else raise ValueError."""
    if not isinstance(sha256, str) or not _SHA256.match(sha256):
        raise ValueError(f"not a sha256 (64 lowercase hex digits): {sha256!r}")
    return sha256


# -- low-level durable file operations ----------------------------------------------------


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _ensure_dir(path: Path) -> None:
    """mkdir -p, fsyncing the parent of every directory this call created."""
    if path.is_dir():
        return
    missing = []
    p = path
    while not p.is_dir():
        missing.append(p)
        p = p.parent
    for d in reversed(missing):
        try:
            os.mkdir(d)
        except FileExistsError:
            continue
        _fsync_dir(d.parent)


def _append_line(path: Path, record: dict) -> None:
    """Append one JSON line and fsync it (O_APPEND: concurrent appenders do not interleave)."""
    line = (json.dumps(record, sort_keys=True, separators=(",", ":")) + "\n").encode()
    new = not path.exists()
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    try:
        os.write(fd, line)
        os.fsync(fd)
    finally:
        os.close(fd)
    if new:
        _fsync_dir(path.parent)


def _now() -> str:
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _iter_plain(fh: BinaryIO, codec: _Codec, sha256: str, path: Path) -> Iterator[bytes]:
    """Decompress ``fh`` chunk by chunk (bounded memory); ArchiveCorrupt on damage."""
    d = zlib.decompressobj(wbits=codec.wbits)
    try:
        while True:
            data = fh.read(CHUNK)
            if not data:
                break
            while data:
                out = d.decompress(data, CHUNK)
                if out:
                    yield out
                if d.eof:
                    if d.unused_data or fh.read(1):
                        raise ArchiveCorrupt(sha256, path, "trailing bytes after the compressed data")
                    return
                data = d.unconsumed_tail
        tail = d.flush()
        if tail:
            yield tail
        if not d.eof:
            raise ArchiveCorrupt(sha256, path, "compressed data is truncated")
    except zlib.error as exc:
        raise ArchiveCorrupt(sha256, path, f"cannot decompress ({exc})") from None


class _ObjectReader(io.RawIOBase):
    """Streaming decompression that checks the sha256 when the end is reached.

    A consumer that reads to EOF gets ArchiveCorrupt instead of EOF if the content
    does not match; one that stops early gets no guarantee about the unread part.
    """

    def __init__(self, fh: BinaryIO, codec: _Codec, sha256: str, path: Path) -> None:
        super().__init__()
        self._fh = fh
        self._sha256 = sha256
        self._path = path
        self._chunks = _iter_plain(fh, codec, sha256, path)
        self._hash = hashlib.sha256()
        self._buf = memoryview(b"")
        self._done = False

    def readable(self) -> bool:
        return True

    def readinto(self, b) -> int:  # type: ignore[override]
        while not self._buf:
            if self._done:
                return 0
            try:
                chunk = next(self._chunks)
            except StopIteration:
                self._done = True
                if self._hash.hexdigest() != self._sha256:
                    raise ArchiveCorrupt(self._sha256, self._path,
                                         f"content hashes to {self._hash.hexdigest()}") from None
                return 0
            self._hash.update(chunk)
            self._buf = memoryview(chunk)
        n = min(len(b), len(self._buf))
        b[:n] = self._buf[:n]
        self._buf = self._buf[n:]
        return n

    def close(self) -> None:
        if not self.closed:
            self._fh.close()
        super().close()


class Archive:
    """Content-addressed, compressed, durable object store (see the module docstring)."""

    def __init__(self, root: Path, *, export_dirs: Sequence[Path] = (), compression: str = "gzip",
                 level: int = 6) -> None:
        if compression not in CODECS:
            raise ArchiveError(f"unknown compression {compression!r}; use one of {sorted(CODECS)}")
        self.root = Path(root)
        self.codec = CODECS[compression]
        self.level = level
        self._objects = self.root / "objects"
        self._tmp = self.root / "tmp"
        _ensure_dir(self._objects)
        _ensure_dir(self._tmp)
        self._write_format(self.root)
        self._export_dirs: list[Path] = []
        for d in list(export_dirs) + self._registered_exports():
            self._add_export_dir(d)

    # -- format and export registry -------------------------------------------------------

    def _write_format(self, root: Path) -> None:
        path = root / FORMAT_NAME
        if path.exists():
            try:
                fmt = json.loads(path.read_text())
            except (OSError, ValueError) as exc:
                raise ArchiveError(f"{path}: unreadable archive format file ({exc}); "
                                   f"restore it or remove it to let the archive recreate it") from None
            if fmt.get("format") != FORMAT_VERSION:
                raise ArchiveError(f"{path}: archive format {fmt.get('format')!r} is not supported "
                                   f"by this version (expects {FORMAT_VERSION})")
            return
        record = {"format": FORMAT_VERSION, "layout": LAYOUT, "hash": "sha256 of the uncompressed bytes",
                  "compression": self.codec.name,
                  "codecs": {c.ext: c.name for c in CODECS.values()}}
        fd, tmp = tempfile.mkstemp(dir=root, prefix=".tmp-format-")
        try:
            with os.fdopen(fd, "w") as f:
                json.dump(record, f, indent=2, sort_keys=True)
                f.write("\n")
                f.flush()
                os.fsync(f.fileno())
            os.replace(tmp, path)
        except BaseException:
            if os.path.exists(tmp):
                os.unlink(tmp)
            raise
        _fsync_dir(root)

    def _registered_exports(self) -> list[Path]:
        path = self.root / EXPORTS_NAME
        if not path.exists():
            return []
        dirs = []
        for line in path.read_text().splitlines():
            try:
                dirs.append(Path(json.loads(line)["export_dir"]))
            except (ValueError, KeyError, TypeError):
                continue  # a torn last line after a crash: ignore it
        return dirs

    def _add_export_dir(self, d: Path) -> None:
        d = Path(d).absolute()
        if d not in self._export_dirs:
            self._export_dirs.append(d)

    @property
    def export_dirs(self) -> tuple[Path, ...]:
        return tuple(self._export_dirs)

    # -- paths ----------------------------------------------------------------------------

    @staticmethod
    def _rel(sha256: str, ext: str) -> Path:
        return Path("objects", sha256[:2], sha256[2:4], f"{sha256}.{ext}")

    def path(self, sha256: str) -> Path:
        """Where the object lives (or would live) in the main store with this Archive's codec."""
        return self.root / self._rel(check_sha256(sha256), self.codec.ext)

    @staticmethod
    def _find_in(base: Path, sha256: str) -> Path | None:
        for ext in _BY_EXT:
            p = base / Archive._rel(sha256, ext)
            if p.exists():
                return p
        return None

    def _find_local(self, sha256: str) -> Path | None:
        return self._find_in(self.root, sha256)

    def locate(self, sha256: str) -> Path | None:
        """The object's file: main store first, then each export folder; None if nowhere."""
        check_sha256(sha256)
        for base in (self.root, *self._export_dirs):
            p = self._find_in(base, sha256)
            if p is not None:
                return p
        return None

    def exists(self, sha256: str) -> bool:
        return self.locate(sha256) is not None

    # -- reading --------------------------------------------------------------------------

    def _open_path(self, path: Path, sha256: str) -> BinaryIO:
        codec = _BY_EXT[path.suffix[1:]]
        return io.BufferedReader(_ObjectReader(open(path, "rb"), codec, sha256, path), CHUNK)  # type: ignore[return-value]

    def open(self, sha256: str) -> BinaryIO:
        """Stream the uncompressed bytes; reading to the end raises ArchiveCorrupt on damage."""
        path = self.locate(sha256)
        if path is None:
            raise ArchiveMissing(sha256, (self.root, *self._export_dirs))
        return self._open_path(path, sha256)

    def read(self, sha256: str) -> bytes:
        with self.open(sha256) as f:
            return f.read()

    def _scan(self, path: Path, sha256: str) -> int:
        """Decompress and rehash; return the uncompressed size or raise ArchiveCorrupt."""
        size = 0
        with self._open_path(path, sha256) as f:
            while True:
                chunk = f.read(CHUNK)
                if not chunk:
                    return size
                size += len(chunk)

    def status(self, sha256: str) -> ObjectStatus:
        path = self.locate(sha256)
        if path is None:
            return "missing"
        try:
            self._scan(path, sha256)
        except ArchiveCorrupt:
            return "corrupt"
        return "ok"

    def verify(self, sha256: str) -> bool:
        """True if the object exists (store or export folder) and decompresses to its sha256."""
        return self.status(sha256) == "ok"

    def iter_objects(self, *, include_exported: bool = False) -> Iterator[str]:
        """sha256 of every object in the main store (and export folders), sorted per folder."""
        bases = [self.root] + (list(self._export_dirs) if include_exported else [])
        seen: set[str] = set()
        for base in bases:
            objects = base / "objects"
            if not objects.is_dir():
                continue
            for d1 in sorted(os.listdir(objects)):
                for d2 in sorted(os.listdir(objects / d1)) if (objects / d1).is_dir() else ():
                    for name in sorted(os.listdir(objects / d1 / d2)):
                        sha, _, ext = name.partition(".")
                        if ext in _BY_EXT and _SHA256.match(sha) and sha not in seen:
                            if include_exported:
                                seen.add(sha)
                            yield sha

    # -- writing --------------------------------------------------------------------------

    def _existing_ok(self, sha256: str, size: int) -> ArchiveRef | None:
        """ArchiveRef for an existing verified object; quarantine a corrupt one."""
        path = self._find_local(sha256)
        if path is None:
            return None
        try:
            found = self._scan(path, sha256)
        except FileNotFoundError:
            return None  # moved away concurrently (export or quarantine)
        except ArchiveCorrupt:
            self._quarantine(path)
            return None
        try:
            return ArchiveRef(sha256, found if size < 0 else size, path.stat().st_size)
        except FileNotFoundError:
            return None

    def _quarantine(self, path: Path) -> None:
        qdir = self.root / "quarantine"
        _ensure_dir(qdir)
        target = qdir / f"{path.name}.{datetime.now(timezone.utc).strftime('%Y%m%dT%H%M%S%fZ')}.{os.getpid()}"
        try:
            os.replace(path, target)
        except FileNotFoundError:
            return  # another writer already set it aside
        _fsync_dir(qdir)
        _fsync_dir(path.parent)

    def _compress_to_temp(self, chunks: Iterable[bytes], tmp_dir: Path) -> tuple[str, str, int, int]:
        """Write compressed chunks to a new temp file; return (tmp path, sha256, size, stored)."""
        fd, tmp = tempfile.mkstemp(dir=tmp_dir, prefix=".tmp-")
        try:
            h = hashlib.sha256()
            size = 0
            comp = zlib.compressobj(self.level, zlib.DEFLATED, self.codec.wbits)
            with os.fdopen(fd, "wb") as f:
                for chunk in chunks:
                    if not chunk:
                        continue
                    h.update(chunk)
                    size += len(chunk)
                    f.write(comp.compress(chunk))
                f.write(comp.flush())
                f.flush()
                os.fsync(f.fileno())
                stored = f.tell()
            os.chmod(tmp, 0o444)
        except BaseException:
            if os.path.exists(tmp):
                os.unlink(tmp)
            raise
        return tmp, h.hexdigest(), size, stored

    def _install(self, tmp: str, sha256: str, size: int, stored: int) -> ArchiveRef:
        final = self.path(sha256)
        _ensure_dir(final.parent)
        os.replace(tmp, final)
        _fsync_dir(final.parent)
        if Path(tmp).parent != final.parent:
            _fsync_dir(Path(tmp).parent)
        return ArchiveRef(sha256, size, stored)

    def put(self, data: bytes) -> ArchiveRef:
        """Store ``data`` durably; return its ref.  Idempotent, safe under concurrency."""
        data = bytes(data)
        sha256 = hashlib.sha256(data).hexdigest()
        ref = self._existing_ok(sha256, len(data))
        if ref is not None:
            return ref
        final_dir = self.path(sha256).parent
        _ensure_dir(final_dir)
        mv = memoryview(data)
        tmp, digest, size, stored = self._compress_to_temp(
            (mv[i:i + 1024 * 1024] for i in range(0, len(mv), 1024 * 1024)), final_dir)
        return self._install(tmp, digest, size, stored)

    def put_stream(self, chunks: Iterable[bytes]) -> ArchiveRef:
        """Store a stream of chunks in constant memory; the name is known only at the end."""
        tmp, sha256, size, stored = self._compress_to_temp(chunks, self._tmp)
        ref = self._existing_ok(sha256, size)
        if ref is not None:
            os.unlink(tmp)
            return ref
        return self._install(tmp, sha256, size, stored)

    def put_file(self, path: Path) -> ArchiveRef:
        """Stream a file's bytes into the archive."""
        with open(path, "rb") as f:
            return self.put_stream(iter(lambda: f.read(CHUNK), b""))

    def cleanup_temp(self, *, older_than_seconds: float = 3600.0) -> list[Path]:
        """Remove temporary files left by writers that crashed (older than the given age)."""
        import time
        removed = []
        limit = time.time() - older_than_seconds
        dirs = [self._tmp] + [Path(dp) for dp, _, _ in os.walk(self._objects)]
        for d in dirs:
            for p in d.glob(".tmp-*"):
                try:
                    if p.stat().st_mtime < limit:
                        p.unlink()
                        removed.append(p)
                except FileNotFoundError:
                    continue
        return removed

    # -- retention ------------------------------------------------------------------------

    def export(self, sha256s: Iterable[str], export_dir: Path, *, reason: str) -> ExportReport:
        """MOVE objects to ``export_dir`` (same layout + MANIFEST.jsonl); never delete.

        Order per object, so a crash at any point loses nothing: hard-link (or copy,
        fsync, rename) into the export folder, fsync; append + fsync the manifest
        line; only then unlink from the store and fsync.  A corrupt object is moved
        too and flagged ``"verified": false``.  Objects found nowhere are reported in
        ``missing``; objects already in an export folder in ``already_exported``.
        """
        if not reason or not reason.strip():
            raise ValueError("export needs a reason (it is written to the manifest)")
        export_dir = Path(export_dir).absolute()
        _ensure_dir(export_dir / "objects")
        self._write_format(export_dir)
        self._register_export(export_dir)
        exported: list[ArchiveRef] = []
        already: list[str] = []
        missing: list[str] = []
        corrupt: list[str] = []
        for sha256 in sha256s:
            check_sha256(sha256)
            src = self._find_local(sha256)
            if src is None:
                (already if self.locate(sha256) is not None else missing).append(sha256)
                continue
            try:
                size: int | None = self._scan(src, sha256)
                verified = True
            except ArchiveCorrupt:
                size, verified = None, False
                corrupt.append(sha256)
            dst = export_dir / self._rel(sha256, src.suffix[1:])
            self._place(src, dst, sha256)
            stored = dst.stat().st_size
            _append_line(export_dir / MANIFEST_NAME, {
                "sha256": sha256, "size": size, "stored_size": stored, "exported_at": _now(),
                "reason": reason, "format": _BY_EXT[src.suffix[1:]].name, "verified": verified,
                "from": str(self.root.absolute()),
            })
            os.unlink(src)
            _fsync_dir(src.parent)
            exported.append(ArchiveRef(sha256, size if size is not None else -1, stored))
        return ExportReport(export_dir, reason, tuple(exported), tuple(already), tuple(missing),
                            tuple(corrupt))

    def _place(self, src: Path, dst: Path, sha256: str) -> None:
        """Make ``dst`` hold the same bytes as ``src`` durably (src is left in place)."""
        _ensure_dir(dst.parent)
        if dst.exists():
            if dst.stat().st_size == src.stat().st_size and _same_bytes(src, dst):
                return  # a previous, interrupted export already placed it
            # A different file under this name (damaged copy): keep it as evidence, aside.
            os.replace(dst, dst.with_name(f"{dst.name}.replaced-{datetime.now(timezone.utc):%Y%m%dT%H%M%S%fZ}"))
        try:
            os.link(src, dst)
        except OSError as exc:
            if exc.errno not in (errno.EXDEV, errno.EPERM, errno.EMLINK, errno.ENOTSUP):
                raise
            fd, tmp = tempfile.mkstemp(dir=dst.parent, prefix=".tmp-")
            try:
                with os.fdopen(fd, "wb") as out, open(src, "rb") as inp:
                    shutil.copyfileobj(inp, out, CHUNK)
                    out.flush()
                    os.fsync(out.fileno())
                os.chmod(tmp, 0o444)
                os.replace(tmp, dst)
            except BaseException:
                if os.path.exists(tmp):
                    os.unlink(tmp)
                raise
        _fsync_dir(dst.parent)

    def _register_export(self, export_dir: Path) -> None:
        if export_dir not in self._registered_exports():
            _append_line(self.root / EXPORTS_NAME, {"export_dir": str(export_dir), "registered_at": _now()})
        self._add_export_dir(export_dir)


def _same_bytes(a: Path, b: Path) -> bool:
    with open(a, "rb") as fa, open(b, "rb") as fb:
        while True:
            x, y = fa.read(CHUNK), fb.read(CHUNK)
            if x != y:
                return False
            if not x:
                return True


def read_manifest(export_dir: Path) -> Iterator[dict]:
    """The manifest records of an export folder, in the order they were written."""
    path = Path(export_dir) / MANIFEST_NAME
    if not path.exists():
        return
    with open(path, "rb") as f:
        for line in f:
            try:
                yield json.loads(line)
            except ValueError:
                continue  # a torn last line after a crash
