"""Canonical documents -> one UN/EDIFACT interchange (UNA, UNB, UNH..UNT, UNZ).

``render(documents, envelope, counter)`` writes every document as one message
(PurchaseOrder -> ORDERS, OrderResponse -> ORDRSP, ShipNotice -> DESADV) in
the envelope's directory (D96A or D01B) with its association code, syntax
identifier (UNOA..UNOY) and version (3 or 4) and service characters.  The
body segments come from ``translators.edifact.mapping.message_segments``; the
segments, release escaping, UNA (written when the characters differ from the
defaults of the syntax level, or always/never when the envelope says so),
UNB/UNZ, UNH/UNT, counts and character-set checks from
``translators.edifact.serialize``.  Numbers written by the mappers take the
interchange's decimal mark.  Interchange (UNB 0020) and message (UNH 0062)
references come from a ``ControlNumbers`` counter (kinds ``UNB0020`` and
``UNH0062``).

The result (``serialize.Written``) carries the text, its bytes in the syntax
identifier's character set (``encode()``) and the references used.
"""
from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass
from typing import Iterable, Optional

from translators.canonical import Document
from translators.edifact.events import ServiceChars
from translators.edifact.mapping import message_segments, message_type_of
from translators.edifact.mapping.common import DIRECTORIES
from translators.edifact.serialize import (
    Num,
    ControlNumbers, Envelope, Message, Written, default_chars, render_interchange,
    render_segment,
)
from translators.findings import EDIError

__all__ = ["EdifactEnvelope", "Written", "ControlNumbers", "render", "message_segments",
           "render_segment", "message_types"]


@dataclass(frozen=True)
class EdifactEnvelope:
    """Who sends to whom, and how (UNB fields plus the message directory)."""

    sender_id: str
    receiver_id: str
    sender_qualifier: str = "14"  # S002 0007 (14 = EAN/GLN; ZZZ mutually defined)
    receiver_qualifier: str = "14"
    directory: str = "D96A"  # D96A | D01B
    association_code: str = ""  # UNH S009 0057: EAN008, EAN010...
    syntax_id: str = "UNOC"  # UNOA..UNOY
    syntax_version: str = "3"  # 3 | 4 (4: CCYYMMDD date in UNB, repetition separator)
    chars: Optional[ServiceChars] = None  # None: the defaults of the syntax level/version
    una: Optional[bool] = None  # None: UNA only when chars differ from the defaults
    application_reference: str = ""  # UNB 0026
    ack_requested: bool = False  # UNB 0031
    test: bool = False  # UNB 0035
    partner_key: str = ""  # counter key: usually the partner's name
    segment_suffix: str = "\n"  # written after each segment terminator ("" for one line)

    def service_chars(self) -> ServiceChars:
        if self.chars is not None:
            return self.chars
        return default_chars(self.syntax_id, self.syntax_version)

    def interchange_envelope(self) -> Envelope:
        return Envelope(
            sender_id=self.sender_id, recipient_id=self.receiver_id,
            sender_qualifier=self.sender_qualifier, recipient_qualifier=self.receiver_qualifier,
            syntax_id=self.syntax_id, syntax_version=self.syntax_version, chars=self.chars,
            una=self.una, application_reference=self.application_reference,
            ack_requested=self.ack_requested, test=self.test, partner_key=self.partner_key,
            newline=self.segment_suffix)


def _comma(segments: list[list]) -> list[list]:
    """Numbers (``Num``) with ',' as decimal mark; other values untouched."""
    out = []
    for seg in segments:
        new = [seg[0]]
        for v in seg[1:]:
            if type(v) is Num:
                v = v.replace(".", ",")
            elif isinstance(v, list):
                v = [c.replace(".", ",") if type(c) is Num else c for c in v]
            new.append(v)
        out.append(new)
    return out


def message_types(documents: Iterable[Document]) -> list[str]:
    return [message_type_of(doc) for doc in documents]


def check_written(written: Written) -> None:
    """Raise EDIError when our own validators find an error in ``written``:
    the gateway never sends what it would itself reject."""
    from translators.edifact.envelope import validate_envelope
    from translators.edifact.reader import iter_events
    from translators.edifact.validator import validate_messages
    from translators.findings import ERROR, Finding

    errors = [ev for ev in validate_messages(validate_envelope(iter_events(written.encode())))
              if isinstance(ev, Finding) and ev.severity == ERROR]
    if errors:
        detail = [f for f in errors if f.field == "UCD0085"] or errors
        raise EDIError("the canonical document cannot be written as valid EDIFACT: "
                       + "; ".join(f.describe() for f in detail[:3]))


def render(documents: Iterable[Document], envelope: EdifactEnvelope, counter: ControlNumbers,
           now: Optional[_dt.datetime] = None,
           interchange_reference: Optional[str] = None, check: bool = True) -> Written:
    """``check`` reads the result back through the reader and validators and
    raises EDIError naming the first problems instead of returning invalid
    EDIFACT (a code outside the directory's list, a value too long...)."""
    env = envelope
    if env.directory not in DIRECTORIES:
        raise EDIError(f"unsupported EDIFACT directory {env.directory!r} "
                       f"(use {' or '.join(DIRECTORIES)})")
    chars = env.service_chars()
    if chars.decimal not in (".", ","):
        raise EDIError(f"decimal mark must be '.' or ',' (got {chars.decimal!r})")
    if chars.decimal in (chars.component, chars.element, chars.segment, chars.release,
                         chars.repetition):
        raise EDIError(f"the decimal mark {chars.decimal!r} is also a service character")
    release = env.directory[1:]
    messages = []
    for doc in documents:
        segments = message_segments(doc, env.directory)
        if chars.decimal == ",":
            segments = _comma(segments)
        messages.append(Message(message_type_of(doc), "D", release, segments,
                                association=env.association_code))
    written = render_interchange(messages, env.interchange_envelope(), counter, now,
                                 interchange_reference)
    written.encode()  # every character must exist in the declared character set
    if check:
        check_written(written)
    return written
