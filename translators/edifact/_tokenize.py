"""The EDIFACT reader's hot loop: a run of ordinary in-message segments -> Segment events.

``body_segments`` is the pure-Python twin of the optional C extension
``translators.edifact._c_tokenize`` (same signature, same results, the same
element lists shared through the parse cache; the tests compare both on the
corpus, on generated and damaged input, fed whole and one byte at a time).
The reader (translators/edifact/reader.py, ``EdifactReader._segments``) uses
the C version when it is built, unless the environment sets
``EDI_GATEWAY_PURE=1``.

Both stop at the first part that is not an ordinary segment and return its
index: an empty part, a part holding the release character that the parse
cache does not know, a tag whose kind is not 0 (service segments, malformed
or not yet classified tags), or a text the cache should keep while its young
generation is full.  The reader's per-segment path handles that part (parsing
it carefully, ageing the cache), then calls back for the next run.  Parts are
the texts between segment terminators of a block without wide characters,
stray CR/LF, suspicious characters or repetition separators, so a character
is a byte and offsets are character counts (the reader does not call this
otherwise).
"""
from __future__ import annotations

from typing import Optional

from translators.edifact.events import Segment


def body_segments(parts: list[str], i: int, off: int, step: int, e: str, c: str,
                  r: Optional[str], young: dict[str, list[list[str]]],
                  old: dict[str, list[list[str]]], kinds: dict[str, int], textmax: int,
                  cachemax: int, pos: int, out: list, segment_type: type = Segment
                  ) -> tuple[int, int, int]:
    """Append ``Segment(tag, elements, offset, position, None)`` to ``out`` for
    ``parts[i:]`` while they are ordinary segments (``kinds[tag] == 0``).

    ``off`` is the byte offset of ``parts[i]``; ``step`` the length of the separator
    between parts; ``e``/``c`` the element and component separators; ``r`` the release
    character when the block holds one, else None; ``young``/``old`` the two generations
    of the parse cache (segment text -> elements): a text found in ``young`` is used as it
    is, one found in ``old`` or parsed here is stored in ``young`` when it has at most
    ``textmax`` characters (``young`` holds at most ``cachemax`` texts); ``pos`` the
    position of the last segment read.  Returns ``(index of the first part not
    consumed, its offset, pos)``."""
    total = len(parts)
    append = out.append
    new = tuple.__new__
    get = young.get
    get_old = old.get
    kind_of = kinds.get
    while i < total:
        p = parts[i]
        if not p:
            break
        el = get(p)
        if el is None:
            el = get_old(p)
            if el is None:
                if r is not None and r in p:
                    break
                el = [x.split(c) for x in p.split(e)]
            tag = el[0][0]
            k = kind_of(tag)
            if k is None or k != 0:
                break
            if len(p) <= textmax:
                if len(young) >= cachemax:
                    break
                young[p] = el
        else:
            tag = el[0][0]
            k = kind_of(tag)
            if k is None or k != 0:
                break
        pos += 1
        append(new(segment_type, (tag, el, off, pos, None)))
        off += len(p) + step
        i += 1
    return i, off, pos
