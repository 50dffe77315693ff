"""Local folders as a mailbox: the embedded default, and how a plant-side agent hands files over.

Same semantics as SFTP: the inbox is listed, temporary and growing files are skipped
(mailbox.pickup), each ready file is read and handed to the engine's ``accept`` (which
archives and records it durably), and only then moved to the archive folder (or deleted
when the profile names none).  A crash between accept and the move leaves the file in
the inbox; the next poll offers it again and ``accept`` recognises it as a duplicate.

Outbound files are written under NAME + temporary suffix, flushed and fsynced, renamed to
NAME (atomic on POSIX), and the directory is fsynced; the size is checked after the rename.
"""
from __future__ import annotations

import os
from pathlib import Path
from typing import Mapping, Optional

from gateway.errors import PermanentError, TransientError
from gateway.fsutil import fsync_dir, write_atomic
from edi_mailbox.base import (
    Accept, InboundFile, PollReport, SecurityHook, SendResult, SourceChanged,
)
from edi_mailbox.pickup import DEFAULT_TEMPORARY_SUFFIXES, Entry, PickupTracker, safe_name


def _unique(folder: Path, name: str) -> Path:
    target = folder / name
    n = 1
    while target.exists():
        target = folder / f"{name}.{n}"
        n += 1
    return target


class FolderMailbox:
    def __init__(self, partner: str, settings: object, *, security: Optional[SecurityHook] = None,
                 settle_seconds: float = 2.0, max_size: int = 1 << 31) -> None:
        self.partner = partner
        self.inbox = Path(getattr(settings, "inbox"))
        self.outbox = Path(getattr(settings, "outbox"))
        archive = getattr(settings, "archive", None)
        self.archive: Optional[Path] = Path(archive) if archive else None
        self.suffix = getattr(settings, "temporary_suffix", ".part") or ".part"
        self.channel = f"folder:{self.inbox}"
        self.security = security
        self.max_size = max_size
        self.tracker = PickupTracker(
            temporary_suffixes=tuple({self.suffix, *DEFAULT_TEMPORARY_SUFFIXES}),
            settle_seconds=settle_seconds)

    # ------------------------------------------------------------------ inbound

    def _listing(self) -> list[Entry]:
        entries = []
        try:
            with os.scandir(self.inbox) as it:
                for item in it:
                    try:
                        if not item.is_file(follow_symlinks=False):
                            continue
                        st = item.stat(follow_symlinks=False)
                    except FileNotFoundError:
                        continue
                    entries.append(Entry(item.name, st.st_size, st.st_mtime))
        except FileNotFoundError:
            raise TransientError(f"{self.partner}: inbox folder {self.inbox} does not exist")
        except PermissionError as exc:
            raise PermanentError(f"{self.partner}: inbox folder {self.inbox} is not readable: {exc}")
        return entries

    def poll(self, accept: Accept) -> PollReport:
        selection = self.tracker.select(self._listing())
        errors: list[str] = []
        for entry, reason in selection.unsafe:
            errors.append(f"{self.partner}: {reason}")
        received = 0
        for entry in selection.ready:
            path = self.inbox / entry.name
            if entry.size > self.max_size:
                errors.append(f"{self.partner}: {entry.name} is {entry.size} bytes, over the "
                              f"limit of {self.max_size}; left in the inbox")
                continue
            try:
                with open(path, "rb"):
                    pass
            except FileNotFoundError:
                errors.append(f"{self.partner}: {entry.name} vanished before it was read")
                self.tracker.forget(entry.name)
                continue
            except OSError as exc:
                errors.append(f"{self.partner}: {entry.name} could not be read: {exc}")
                continue
            try:  # the engine streams the file into its archive (memory stays flat)
                accepted = accept(InboundFile(
                    partner=self.partner, channel=self.channel, name=entry.name,
                    meta={"path": str(path), "size": str(entry.size), "mtime": repr(entry.mtime)},
                    path=str(path), size=entry.size))
            except SourceChanged:
                errors.append(f"{self.partner}: {entry.name} changed while it was read; "
                              "it will be picked up at a later poll")
                self.tracker.forget(entry.name)
                continue
            self._dispose(path)
            self.tracker.forget(entry.name)
            if not accepted.duplicate:
                received += 1
        return PollReport(partner=self.partner, received=received,
                          skipped=len(selection.temporary) + len(selection.growing),
                          errors=tuple(errors))

    def _dispose(self, path: Path) -> None:
        try:
            if self.archive is None:
                path.unlink()
            else:
                self.archive.mkdir(parents=True, exist_ok=True)
                os.replace(path, _unique(self.archive, path.name))
                fsync_dir(self.archive)
            fsync_dir(self.inbox)
        except FileNotFoundError:
            pass  # moved by someone else meanwhile: it was accepted, nothing is lost

    # ------------------------------------------------------------------ outbound

    def send(self, name: str, data: bytes, meta: Mapping[str, str] | None = None) -> SendResult:
        safe_name(name)
        try:
            self.outbox.mkdir(parents=True, exist_ok=True)
            final = self.outbox / name
            write_atomic(final, data, temp_name=name + self.suffix)
            size = final.stat().st_size
        except OSError as exc:
            raise TransientError(f"{self.partner}: could not write {name} to {self.outbox}: {exc}")
        if size != len(data):
            raise TransientError(f"{self.partner}: {final} has {size} bytes after writing "
                                 f"{len(data)}")
        return SendResult(transport_id=str(final), size=size)

    def close(self) -> None:
        pass
