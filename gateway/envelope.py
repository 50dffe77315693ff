"""Who sent a file: the first interchange envelope, read from the file's first bytes.

Pure: bytes in, ``InboundEnvelope`` (gateway.profiles.identity) out.  Only the head of the
file is read (ISA/GS or UNA/UNB sit at its start), so identifying the partner of a
50 MB interchange costs the same as for a 1 KB one.
"""
from __future__ import annotations

from typing import Optional

from gateway.profiles.identity import Channel, InboundEnvelope
from translators.pipeline import detect_standard

HEAD = 1 << 16


def first_envelope(head: bytes) -> Optional[InboundEnvelope]:
    standard = detect_standard(head)
    if standard == "x12":
        from translators.x12 import events as xe
        from translators.x12.reader import iter_events as x12_events
        isa = None
        for ev in x12_events([head]):
            if isinstance(ev, xe.InterchangeStart):
                isa = ev
            elif isinstance(ev, xe.GroupStart) and isa is not None:
                return InboundEnvelope.from_x12(isa, ev)
            elif isinstance(ev, (xe.TransactionStart, xe.InterchangeEnd)) and isa is not None:
                break
        return InboundEnvelope.from_x12(isa) if isa is not None else None
    if standard == "edifact":
        from translators.edifact import events as ee
        from translators.edifact.reader import iter_events as edifact_events
        for ev in edifact_events([head]):
            if isinstance(ev, ee.InterchangeStart):
                if ev.unb is None:
                    return None
                return InboundEnvelope.from_edifact(ev)
        return None
    return None


def channel_of(channel: str, meta: dict) -> Optional[Channel]:
    """The transport's channel string (edi_mailbox.base.InboundFile.channel) as a Channel."""
    kind, _, account = channel.partition(":")
    if not account:
        return None
    if kind == "folder":
        return Channel.folder(account)
    if kind == "as2":
        return Channel.as2(account, meta.get("as2_to") or None)
    if kind == "sftp":
        return Channel("sftp", account)
    return Channel(kind, account)
