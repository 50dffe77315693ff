"""Test helper: X12 bytes -> (MappingContext, body segments) per transaction
set, through the real reader (translators.x12.reader).  Loaded by the mapping
tests with importlib (pytest runs with --import-mode=importlib)."""
from __future__ import annotations

from typing import Iterator

from translators.x12.events import (
    Delimiters, InterchangeStart, Segment, TransactionEnd, TransactionStart,
)
from translators.x12.mapping import MappingContext
from translators.x12.reader import iter_events


def _reader_split(data: bytes) -> Iterator[tuple[MappingContext, list[Segment]]]:
    delims = Delimiters()
    encoding = "ascii"
    start = None
    segs: list[Segment] = []
    for ev in iter_events(data):
        if isinstance(ev, InterchangeStart):
            delims, encoding = ev.delimiters, ev.encoding
        elif isinstance(ev, TransactionStart):
            start, segs = ev, []
        elif isinstance(ev, Segment):
            if start is not None and ev.position:
                segs.append(ev)
        elif isinstance(ev, TransactionEnd) and start is not None:
            yield (MappingContext(start.set_id, start.control_number, start.version, delims,
                                  encoding), segs)
            start = None


def transactions(data: bytes) -> list[tuple[MappingContext, list[Segment]]]:
    return list(_reader_split(data))


def segments_of(text: str, delims: Delimiters = Delimiters()) -> list[Segment]:
    """Body segments from 'TAG*..~TAG*..~' text (no envelope)."""
    out = []
    for raw in text.split(delims.segment):
        raw = raw.strip()
        if raw:
            elements = raw.split(delims.element)
            out.append(Segment(elements[0], elements, 0, len(out) + 2))
    return out

