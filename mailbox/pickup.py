"""Which files in an inbox are ready to pick up: rules shared by every polling transport.

Pure: the transports list their inbox (folder or SFTP) and hand the listing here.

* Temporary names are skipped: a partner uploads ``NAME.part`` (``.tmp``, ``.filepart``,
  the profile's own suffix) and renames it when complete; dot files are skipped too.
* A file still growing is skipped: a file is ready once two polls saw the same size and
  modification time, or once it has not changed for ``settle_seconds`` (so a restart does
  not delay files that have long been complete).
* Names with directory parts, ``..``, NUL or control characters are refused: the transport
  records the refusal and never writes outside its folders.
"""
from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Iterable, Optional

from gateway.errors import PermanentError

DEFAULT_TEMPORARY_SUFFIXES = (".part", ".tmp", ".filepart", ".partial", ".crdownload")


class UnsafeName(PermanentError):
    """A file name that would leave its folder or cannot be stored safely."""


def safe_name(name: str) -> str:
    """``name`` itself when it is a plain file name; raises UnsafeName otherwise."""
    if not name or name in (".", ".."):
        raise UnsafeName(f"refused file name {name!r}: empty or a directory reference")
    if "/" in name or "\\" in name:
        raise UnsafeName(f"refused file name {name!r}: it contains a directory part")
    if any(ord(ch) < 32 or ord(ch) == 127 for ch in name):
        raise UnsafeName(f"refused file name {name!r}: it contains a control character")
    if len(name.encode("utf-8", "surrogateescape")) > 255:
        raise UnsafeName(f"refused file name {name[:40]!r}...: longer than 255 bytes")
    return name


@dataclass(frozen=True)
class Entry:
    name: str
    size: int
    mtime: float


@dataclass(frozen=True)
class Selection:
    ready: tuple[Entry, ...]
    temporary: tuple[Entry, ...]  # skipped: temporary or hidden names
    growing: tuple[Entry, ...]  # skipped: changed since the last poll
    unsafe: tuple[tuple[Entry, str], ...]  # refused, with the reason


class PickupTracker:
    """Remembers what one mailbox saw at its last poll (one instance per mailbox)."""

    def __init__(self, *, temporary_suffixes: Iterable[str] = DEFAULT_TEMPORARY_SUFFIXES,
                 settle_seconds: float = 5.0) -> None:
        self.temporary_suffixes = tuple(s.lower() for s in temporary_suffixes)
        self.settle_seconds = settle_seconds
        self._seen: dict[str, tuple[int, float]] = {}

    def is_temporary(self, name: str) -> bool:
        lower = name.lower()
        return lower.startswith(".") or lower.endswith(self.temporary_suffixes)

    def select(self, entries: Iterable[Entry], now: Optional[float] = None) -> Selection:
        now = time.time() if now is None else now
        ready: list[Entry] = []
        temporary: list[Entry] = []
        growing: list[Entry] = []
        unsafe: list[tuple[Entry, str]] = []
        seen: dict[str, tuple[int, float]] = {}
        for entry in sorted(entries, key=lambda e: (e.mtime, e.name)):
            if self.is_temporary(entry.name):
                temporary.append(entry)
                continue
            try:
                safe_name(entry.name)
            except UnsafeName as exc:
                unsafe.append((entry, str(exc)))
                continue
            stamp = (entry.size, entry.mtime)
            seen[entry.name] = stamp
            if self._seen.get(entry.name) == stamp or now - entry.mtime >= self.settle_seconds:
                ready.append(entry)
            else:
                growing.append(entry)
        self._seen = seen
        return Selection(tuple(ready), tuple(temporary), tuple(growing), tuple(unsafe))

    def forget(self, name: str) -> None:
        self._seen.pop(name, None)
