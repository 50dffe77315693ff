"""The contract between transports and the engine.

Transports move bytes.  They never parse EDI; they never decide what a document is.

Inbound: a transport hands each file it receives to the engine's ``Accept`` callback.
``accept`` returns only after the bytes are archived (fsynced) and recorded in the store;
only then may the transport remove the file from the remote side (SFTP move/delete,
folder move) or answer with an MDN (AS2).  If ``accept`` raises, the transport leaves the
remote file where it is (it will be offered again) or answers with a negative MDN.
``accept`` is idempotent on (partner, channel, name, sha256): a file offered twice after a
crash between "recorded" and "removed remotely" is recognised and not processed twice.

Outbound: ``send`` delivers bytes and returns a ``SendResult``; it raises
``gateway.errors.TransientError`` (retry) or ``PermanentError`` (dead-letter).
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Callable, Iterator, Mapping, Optional, Protocol

from gateway.errors import TransientError


#: Bytes per read when an inbound file is streamed from disk.
CHUNK = 1 << 20


class SourceChanged(TransientError):
    """The local file behind an InboundFile changed while it was being read: nothing was
    recorded; the transport leaves the file where it is and offers it again later."""


@dataclass(frozen=True)
class InboundFile:
    """One received file.  Its bytes are either in memory (``data``: AS2 payloads, which
    the server holds anyway and limits in size) or in a local file (``path``: a folder
    inbox, an SFTP download spool), read in chunks so memory does not grow with the file.
    """

    partner: str  # profile name of the partner whose channel delivered it
    channel: str  # e.g. "sftp:user@host:22", "as2:PARTNERAS2ID", "folder:/srv/edi/acme/in"
    name: str  # a plain file name (no directory parts; transports strip and refuse "../")
    data: bytes = b""
    meta: Mapping[str, str] = field(default_factory=dict)  # e.g. remote path, AS2 Message-ID
    path: Optional[str] = None  # the local file holding the bytes (then ``data`` is unused)
    size: Optional[int] = None  # bytes ``path`` must yield; another count -> SourceChanged

    def chunks(self, chunk_size: int = CHUNK) -> Iterator[bytes]:
        """The bytes in pieces.  From ``path``: raises SourceChanged when the file's size
        or modification time changed during the read or the count differs from ``size``."""
        if self.path is None:
            view = memoryview(self.data)
            for i in range(0, len(view), chunk_size):
                yield bytes(view[i:i + chunk_size])
            return
        with open(self.path, "rb") as fh:
            before = os.fstat(fh.fileno())
            total = 0
            while True:
                block = fh.read(chunk_size)
                if not block:
                    break
                total += len(block)
                if self.size is not None and total > self.size:
                    break
                yield block
            after = os.fstat(fh.fileno())
        expected = self.size if self.size is not None else before.st_size
        if total != expected or after.st_size != before.st_size or \
                after.st_mtime_ns != before.st_mtime_ns:
            raise SourceChanged(
                f"{self.partner}: {self.name} changed while it was read (expected {expected} "
                f"bytes, read {total}, size now {after.st_size}); not accepted, offered again "
                "at a later poll")

    def read(self) -> bytes:
        """All the bytes at once: for small files and tests; the engine streams."""
        return self.data if self.path is None else b"".join(self.chunks())


@dataclass(frozen=True)
class Accepted:
    document_id: str  # the engine's id for the received file
    duplicate: bool = False  # True: the same file was already accepted earlier


Accept = Callable[[InboundFile], Accepted]


@dataclass(frozen=True)
class PollReport:
    partner: str
    received: int = 0
    skipped: int = 0  # temporary names, files still growing
    errors: tuple[str, ...] = ()


@dataclass(frozen=True)
class Receipt:
    """A transport-level receipt (AS2 MDN)."""

    message_id: str  # the Message-ID of the message it answers
    disposition: str  # e.g. "automatic-action/MDN-sent-automatically; processed"
    ok: bool
    mic: Optional[str] = None
    mic_matches: Optional[bool] = None
    signed: bool = False
    raw: bytes = b""
    partner: Optional[str] = None  # profile name of the partner that sent it (AS2 server)


@dataclass(frozen=True)
class SendResult:
    transport_id: str  # remote path (SFTP/folder) or Message-ID (AS2)
    size: int
    receipt: Optional[Receipt] = None  # a synchronous MDN, already verified
    receipt_expected: bool = False  # True: an asynchronous MDN will arrive later
    mic: Optional[str] = None  # AS2: the MIC the partner's MDN must echo (store it to match an async MDN)


class Mailbox(Protocol):
    """One partner's channel."""

    partner: str

    def poll(self, accept: Accept) -> PollReport:
        """Fetch what is waiting (SFTP, folder).  AS2 receives by its server instead."""
        ...

    def send(self, name: str, data: bytes, meta: Mapping[str, str] | None = None) -> SendResult:
        ...

    def close(self) -> None:
        ...


SecurityHook = Callable[[str, str, str], None]  # (partner, channel, message) -> recorded
