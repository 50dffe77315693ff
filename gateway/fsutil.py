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


def remove_dead_temps(folder: Path) -> list[Path]:
    """Remove what ``write_atomic`` left under ``folder`` in processes killed mid-write:
    ``.<name>.<pid>.tmp`` files whose pid is no running process here.  (A writer on another
    host sharing the folder loses its temporary file and retries: nothing is lost.)"""
    removed = []
    for tmp in folder.rglob(".*.tmp"):
        pid = tmp.name[:-len(".tmp")].rpartition(".")[2]
        if not pid.isdigit() or int(pid) == os.getpid() or _alive(int(pid)):
            continue
        try:
            tmp.unlink()
            removed.append(tmp)
        except FileNotFoundError:
            pass
    return removed


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # someone else's process
    return True


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
