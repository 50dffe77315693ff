"""Test helper: X12 text -> (MappingContext, body segments) per transaction set.

Uses the real reader (translators.x12.reader.iter_events) when it imports;
otherwise a tiny splitter good enough for well-formed files (ISA found by
counting separators, so 103/106/107/122-byte ISAs work; BOM, whitespace and
newline terminators tolerated).  Loaded by the mapping tests with
importlib (pytest runs with --import-mode=importlib).
"""
from __future__ import annotations

from typing import Iterator

from translators.x12.events import (
    Delimiters, InterchangeStart, Segment, TransactionEnd, TransactionStart,
)
from translators.x12.mapping import MappingContext

try:  # the real reader, when it and its dependencies are present
    from translators.x12.reader import iter_events as _iter_events
except ImportError:  # pragma: no cover - depends on the other helpers' progress
    _iter_events = None


def _local_split(data: bytes) -> Iterator[tuple[MappingContext, list[Segment]]]:
    text = data.decode("latin-1")
    encoding = "ascii" if text.isascii() else "utf-8"
    if text.startswith("\xef\xbb\xbf"):
        text = text[3:]
    pos = text.index("ISA")
    while pos < len(text):
        start = text.find("ISA", pos)
        if start < 0:
            return
        el = text[start + 3]
        i = start
        for _ in range(16):
            i = text.index(el, i + 1)
        comp = text[i + 1]
        term = text[i + 2]
        isa = text[start:i + 2].split(el)
        rep = isa[11] if isa[12] >= "00501" and not isa[11].isalnum() else None
        delims = Delimiters(el, comp, rep, term, "")
        end = text.find("IEA" + el, i)
        end = len(text) if end < 0 else text.find(term, end) + 1 or len(text)
        body = text[i + 3:end]
        tx = None
        segs: list[Segment] = []
        offset = i + 3
        for raw in body.split(term):
            stripped = raw.strip()
            if not stripped:
                offset += len(raw) + 1
                continue
            elements = stripped.split(el)
            tag = elements[0]
            if tag == "ST":
                tx = elements
                segs = []
            elif tag == "SE" and tx is not None:
                version = tx[3] if len(tx) > 3 else ""
                yield MappingContext(tx[1], tx[2], version or isa[12], delims, encoding), segs
                tx = None
            elif tx is not None:
                segs.append(Segment(tag, elements, offset, len(segs) + 2))
            offset += len(raw) + 1
        pos = end


def _reader_split(data: bytes) -> Iterator[tuple[MappingContext, list[Segment]]]:
    delims = Delimiters()
    encoding = "ascii"
    start = None
    segs: list[Segment] = []
    for ev in _iter_events(data):  # type: ignore[misc]
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
    if _iter_events is not None:
        return list(_reader_split(data))
    return list(_local_split(data))


def segments_of(text: str, delims: Delimiters = Delimiters()) -> list[Segment]:
    """Body segments from 'TAG*..~TAG*..~' text (no envelope)."""
    out = []
    for raw in text.split(delims.segment):
        raw = raw.strip()
        if raw:
            elements = raw.split(delims.element)
            out.append(Segment(elements[0], elements, 0, len(out) + 2))
    return out


USING_REAL_READER = _iter_events is not None
