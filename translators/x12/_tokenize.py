"""The X12 reader's hot loop: a run of plain body segments -> Segment events.

``body_segments`` is the pure-Python twin of the optional C extension
``translators.x12._c_tokenize`` (same signature, same results; the tests
compare both on the corpus, on fuzzed input and fed one byte at a time).
The reader uses the C version when it is built, unless the environment sets
``EDI_GATEWAY_PURE=1``.

Both read the segments straight out of the reader's decoded buffer and stop at
the first one that is not a plain body segment (a control segment, an unknown
or invalid tag, an overlong one) and return where it starts: the reader's
general path handles it, then calls back for the next run.  The reader calls
them on all-ASCII, NUL-free buffers only.  The C twin also shares the strings
of tags and short values between segments, of one call or, through the reader's
``Shared`` table, of all its calls (equal values, so the events compare equal
either way).
"""
from __future__ import annotations

from typing import Optional

from translators.x12.events import Segment

_WS = " \t\r\n\x0b\x0c"


def body_segments(text: str, cur: int, base: int, term: str, rs: str, es: str,
                  kinds: dict[str, int], maxlen: int, pos: int, out: list,
                  segment_type: type = Segment, shared: object = None) -> tuple[int, int]:
    """Append ``Segment(tag, elements, offset, position)`` to ``out`` for the
    segments of ``text`` from index ``cur`` on while they are body segments
    (``kinds[tag] == 0``) ended by the terminator ``term``.

    ``base + cur`` is the byte offset of ``text[cur]``; ``rs`` characters
    stripped from the segment's end; ``es`` the element separator; ``pos``
    the position of the last segment read; ``segment_type`` the event class
    (``events.Segment``); ``shared``: the C twin's table of short strings kept
    from call to call (``_c_tokenize.Shared()``, one per reader), ignored here.
    Returns ``(cur, pos)``, ``cur`` being the index of the first segment not
    consumed (or of the unterminated tail).

    The C twin takes only ASCII text with a one-character terminator and
    element separator (and kinds keys of 1-8 characters, as the reader's are);
    on other input it consumes nothing, and the reader's general path reads
    the segments one by one, with the same events."""
    ws = _WS
    append = out.append
    new = tuple.__new__
    get = kinds.get
    find = text.find
    tl = len(term)
    while True:
        j = find(term, cur)
        if j < 0:
            break
        part = text[cur:j]
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
        cur = j + tl
    return cur, pos
