"""Durable file writes shared by the transports, connectors and archive."""
from __future__ import annotations

import os
from pathlib import Path


def fsync_dir(path: Path) -> None:
    """Make a rename or unlink inside ``path`` durable."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def remove_stale_temps(path: Path) -> list[Path]:
    """Remove what ``write_atomic`` left for ``path`` in a process killed mid-write
    (``.<name>.<pid>.tmp`` of other processes).  Call it while holding the right to write
    ``path`` (the engine's claim on the document), before writing it again."""
    removed = []
    mine = f".{path.name}.{os.getpid()}.tmp"
    for tmp in path.parent.glob(f".{glob_escape(path.name)}.*.tmp"):
        if tmp.name == mine:
            continue
        try:
            tmp.unlink()
            removed.append(tmp)
        except FileNotFoundError:
            pass
    return removed


def glob_escape(name: str) -> str:
    return "".join(f"[{c}]" if c in "*?[" else c for c in name)


def write_atomic(path: Path, data: bytes, *, temp_name: str | None = None) -> None:
    """Write ``data`` to ``path`` so that a crash leaves either no file or the whole file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(temp_name or f".{path.name}.{os.getpid()}.tmp")
    with open(tmp, "wb") as fh:
        fh.write(data)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)
    fsync_dir(path.parent)
