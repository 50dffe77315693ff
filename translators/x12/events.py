"""Events emitted by the X12 reader (translators.x12.reader) and passed
through the envelope and schema validators, which insert ``Finding`` events
(translators.findings) next to the event they concern.

Order of events for a well-formed file::

    InterchangeStart (ISA)
      GroupStart (GS)
        TransactionStart (ST)
          Segment ... (every segment between ST and SE, ST and SE excluded)
        TransactionEnd (SE)
      GroupEnd (GE)
    InterchangeEnd (IEA)

Segments found outside a transaction (TA1, ISB/ISE, stray data) are emitted
as ``Segment`` with ``position == 0``.  When a trailer is missing the reader
still emits the End event with ``trailer=None`` so every Start has an End.

``Segment`` is a NamedTuple for speed (one is created per segment);
``elements[0]`` is the tag so ``seg.elements[1]`` is the first data element
(X12 numbering: PO101 is ``elements[1]``).  Element values are raw strings:
composites and repetitions are not split (use ``Delimiters``).  Every other
event is a frozen dataclass.
"""
from __future__ import annotations

from dataclasses import dataclass
from itertools import islice
from typing import Iterable, Iterator, NamedTuple, Optional, Union

from translators.findings import Finding


@dataclass(frozen=True, slots=True)
class Delimiters:
    element: str = "*"
    component: str = ":"
    repetition: Optional[str] = None  # ISA11 from 00501 on; None for 00401 'U'
    segment: str = "~"
    suffix: str = ""  # what the sender wrote after terminators ("\r\n", "\n", ""): kept for replies

    def split_components(self, value: str) -> list[str]:
        return value.split(self.component)

    def split_repetitions(self, value: str) -> list[str]:
        if self.repetition is None:
            return [value]
        return value.split(self.repetition)


class Segment(NamedTuple):
    tag: str
    elements: list[str]  # elements[0] is the tag
    offset: int  # byte offset of the segment's first character in the input
    position: int  # 1-based within the transaction set (ST is 1, first body segment 2); 0 outside


@dataclass(frozen=True, slots=True)
class InterchangeStart:
    offset: int
    isa: Segment
    delimiters: Delimiters
    control_number: str  # ISA13
    sender_qualifier: str  # ISA05
    sender_id: str  # ISA06, stripped
    receiver_qualifier: str  # ISA07
    receiver_id: str  # ISA08, stripped
    date: str  # ISA09 raw
    time: str  # ISA10 raw
    version: str  # ISA12
    ack_requested: bool  # ISA14 == '1'
    usage: str  # ISA15 (P production, T test, I information)
    encoding: str = "ascii"  # how bytes were decoded: ascii | utf-8 | latin-1 | cp037


@dataclass(frozen=True, slots=True)
class InterchangeEnd:
    offset: int
    control_number: str  # ISA13 of the interchange this ends
    trailer: Optional[Segment]  # IEA, None when missing
    group_count: int  # groups actually read


@dataclass(frozen=True, slots=True)
class GroupStart:
    offset: int
    gs: Segment
    functional_id: str  # GS01
    sender: str  # GS02
    receiver: str  # GS03
    control_number: str  # GS06
    version: str  # GS08


@dataclass(frozen=True, slots=True)
class GroupEnd:
    offset: int
    control_number: str  # GS06 of the group this ends
    trailer: Optional[Segment]  # GE, None when missing
    transaction_count: int  # transaction sets actually read


@dataclass(frozen=True, slots=True)
class TransactionStart:
    offset: int
    st: Segment
    set_id: str  # ST01
    control_number: str  # ST02
    version: str  # ST03 when present, else GS08


@dataclass(frozen=True, slots=True)
class TransactionEnd:
    offset: int
    set_id: str
    control_number: str  # ST02 of the set this ends
    trailer: Optional[Segment]  # SE, None when missing
    segment_count: int  # segments actually read, ST and SE included
    #: every segment of the set was plain ASCII as read, so its values need no text repair
    #: (the mappings skip their per-value check then)
    plain: bool = False


Event = Union[
    InterchangeStart, InterchangeEnd, GroupStart, GroupEnd,
    TransactionStart, TransactionEnd, Segment, Finding,
]


def in_batches(events: Iterable[Event], size: int = 512) -> Iterator[list[Event]]:
    """An event stream as lists of at most ``size`` events, for the filters that work a
    list at a time (the reader's ``iter_batches`` gives them lists directly)."""
    it = iter(events)
    while True:
        batch = list(islice(it, size))
        if not batch:
            return
        yield batch
