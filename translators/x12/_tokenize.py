"""The X12 reader's hot loop: a run of plain body segments -> Segment events.

``body_segments`` is the pure-Python twin of the optional C extension
``translators.x12._c_tokenize`` (same signature, same results; the tests
compare both on the corpus, on fuzzed input and fed one byte at a time).
The reader uses the C version when it is built, unless the environment sets
``EDI_GATEWAY_PURE=1``.

Both stop at the first part that is not a plain body segment (a control
segment, an unknown or invalid tag, an overlong part) and return its index:
the reader's general path handles it, then calls back for the next run.
Parts are the texts between segment terminators of an all-ASCII, NUL-free
buffer (the reader does not call this otherwise).
"""
from __future__ import annotations

from typing import Optional

from translators.x12.events import Segment

_WS = " \t\r\n\x0b\x0c"


def body_segments(parts: list[str], i: int, base: int, cur: int, tl: int, rs: str, es: str,
                  kinds: dict[str, int], maxlen: int, pos: int, out: list,
                  segment_type: type = Segment) -> tuple[int, int, int]:
    """Append ``Segment(tag, elements, offset, position)`` to ``out`` for
    ``parts[i:]`` while they are body segments (``kinds[tag] == 0``).

    ``base + cur`` is the byte offset of ``parts[i]``; ``tl`` the terminator's
    length; ``rs`` characters stripped from the segment's end; ``es`` the
    element separator; ``pos`` the position of the last segment read;
    ``segment_type`` the event class (``events.Segment``).
    Returns ``(index of the first part not consumed, cur, pos)``."""
    ws = _WS
    append = out.append
    new = tuple.__new__
    get = kinds.get
    total = len(parts)
    while i < total:
        part = parts[i]
        n = len(part)
        s = part.lstrip(ws)
        m = len(s)
        if rs:
            s = s.rstrip(rs)
        if s:
            if m > maxlen:
                break
            el = s.split(es)
            tag = el[0]
            k: Optional[int] = get(tag)
            if k is None or k != 0:
                break
            pos += 1
            append(new(segment_type, (tag, el, base + cur + n - m, pos)))
        i += 1
        cur += n + tl
    return i, cur, pos
