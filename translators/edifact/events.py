"""Events emitted by the EDIFACT reader (translators.edifact.reader) and passed
through the envelope and message validators, which insert ``Finding`` events
(translators.findings) next to the event they concern.

Order of events for a well-formed interchange::

    InterchangeStart (UNB)
      GroupStart (UNG)            -- only when the interchange uses groups
        MessageStart (UNH)
          Segment ...             -- every segment between UNH and UNT, both excluded
        MessageEnd (UNT)
      GroupEnd (UNE)
    InterchangeEnd (UNZ)

A file holding only UNA + UNH..UNT (no UNB/UNZ, as some tools emit) yields an
``InterchangeStart`` with ``unb=None`` and ``InterchangeEnd`` with
``trailer=None``; the envelope validator decides how to judge that.  When a
trailer is missing the reader still emits the End event with ``trailer=None``.

``Segment`` is a NamedTuple for speed.  Values are already released (the
release character removed) and decoded to ``str``.  ``elements[0] == [tag]``;
``elements[i]`` is the list of components of the i-th data element (a simple
element is a one-item list).  A syntax-4 repeated element keeps its first
occurrence in ``elements[i]`` and all occurrences in ``repeats[i]``.
Element lists are read-only: the reader shares one list between identical
segments (a bounded cache), so consumers must never mutate them.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple, Optional, Union

from translators.findings import Finding


@dataclass(frozen=True, slots=True)
class ServiceChars:
    component: str = ":"
    element: str = "+"
    decimal: str = "."
    release: Optional[str] = "?"  # None when UNA sets a space (no release character)
    repetition: Optional[str] = None  # syntax 4 only ('*' by default there)
    segment: str = "'"


#: Defaults without UNA: levels A and C..Y use ``:+.? '``; level B uses
#: information separators IS1..IS4 (0x1F component, 0x1D element, 0x1C segment).
DEFAULT_CHARS = ServiceChars()
LEVEL_B_CHARS = ServiceChars(component="\x1f", element="\x1d", decimal=".", release=None,
                             repetition=None, segment="\x1c")


class Segment(NamedTuple):
    tag: str
    elements: list[list[str]]  # elements[0] == [tag]
    offset: int  # byte offset of the segment's first byte in the input
    position: int  # 1-based within the message (UNH is 1); 0 outside a message
    repeats: Optional[dict[int, list[list[str]]]] = None


@dataclass(frozen=True, slots=True)
class InterchangeStart:
    offset: int
    unb: Optional[Segment]  # None for a bare UNA/UNH..UNT file
    chars: ServiceChars
    una: bool  # whether a UNA service string advice was present
    syntax_id: str  # UNOA..UNOY (S001 0001)
    syntax_version: str  # '1'..'4' (S001 0002)
    sender_id: str  # S002 0004
    sender_qualifier: str  # S002 0007
    receiver_id: str  # S003 0010
    receiver_qualifier: str  # S003 0007
    date: str  # S004 0017 raw
    time: str  # S004 0019 raw
    control_reference: str  # 0020
    application_reference: str  # 0026
    ack_requested: bool  # 0031 == '1'
    test: bool  # 0035 == '1'
    encoding: str  # Python codec used to decode the bytes


@dataclass(frozen=True, slots=True)
class InterchangeEnd:
    offset: int
    control_reference: str
    trailer: Optional[Segment]  # UNZ, None when missing
    count: int  # messages, or groups when the interchange uses groups, actually read


@dataclass(frozen=True, slots=True)
class GroupStart:
    offset: int
    ung: Segment
    group_id: str  # 0038 (message type in the group)
    sender_id: str
    receiver_id: str
    control_reference: str  # 0048


@dataclass(frozen=True, slots=True)
class GroupEnd:
    offset: int
    control_reference: str
    trailer: Optional[Segment]  # UNE, None when missing
    message_count: int


@dataclass(frozen=True, slots=True)
class MessageStart:
    offset: int
    unh: Segment
    reference: str  # 0062
    message_type: str  # 0065 ORDERS | ORDRSP | DESADV | CONTRL ...
    version: str  # 0052 (D)
    release: str  # 0054 (96A, 01B)
    agency: str  # 0051 (UN)
    association_code: str  # 0057 (EAN008...) or ''


@dataclass(frozen=True, slots=True)
class MessageEnd:
    offset: int
    reference: str  # 0062 of the message this ends
    message_type: str
    trailer: Optional[Segment]  # UNT, None when missing
    segment_count: int  # segments actually read, UNH and UNT included


Event = Union[
    InterchangeStart, InterchangeEnd, GroupStart, GroupEnd,
    MessageStart, MessageEnd, Segment, Finding,
]
