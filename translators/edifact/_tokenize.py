"""The EDIFACT reader's hot loops: a decoded block -> its segment texts (``split_block``), and
a run of ordinary in-message segments -> Segment events (``body_segments``).

``split_block`` and ``body_segments`` are the pure-Python twins of the optional C extension
``translators.edifact._c_tokenize`` (same signature, same results, the same
element lists shared through the parse cache; the tests compare both on the
corpus, on generated and damaged input, fed whole and one byte at a time).
The reader (translators/edifact/reader.py, ``EdifactReader._segments``) uses
the C version when it is built, unless the environment sets
``EDI_GATEWAY_PURE=1``.

The C ``split_block`` answers None for a text of characters beyond latin-1 or when the
terminator or the release character is CR or LF; the reader then calls this one.

Both ``body_segments`` stop at the first part that is not an ordinary segment and return its
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


def split_block(text: str, t: str, r: Optional[str]) -> tuple[int, int, list[str], int, bool]:
    """The segment texts of a decoded block that ends just before a segment terminator
    ``t`` (``r``: the release character or None): ``(lead, step, parts, leftover, clean)``.

    When the block holds CR/LF and every real (unreleased) terminator is followed by the
    same newline and there is no other CR/LF, the newlines leading the block (``lead``
    characters) are skipped and the parts are split on terminator plus newline (``step``
    characters) with ``clean`` True; otherwise on the terminator alone (``step`` 1, no
    lead), ``clean`` False when the block holds CR/LF.  Released terminators do not split.
    ``leftover`` > 0 when the terminator ending the block is itself released: the last part
    is left out, and ``leftover`` counts its characters and that terminator."""
    lead = 0
    sep = t
    clean = True
    if "\n" in text or "\r" in text:
        body = text.lstrip("\r\n")
        lead = len(text) - len(body)
        layout_sep = _layout(body, t, r)
        if layout_sep is None:  # sep stays t
            lead = 0
            body = text
            clean = False
        else:
            sep = layout_sep
        text = body
    parts = text.split(sep)
    leftover = 0
    if r is not None and r in text:
        if sep == t and r + t in text:
            parts, leftover = _merge_released(parts, t, r)
        else:  # only the terminator ending the block may be released
            last = parts[-1]
            if last.endswith(r) and (len(last) - len(last.rstrip(r))) & 1:
                parts.pop()
                leftover = len(last) + 1
    return lead, len(sep), parts, leftover, clean


def _layout(body: str, t: str, r: Optional[str]) -> Optional[str]:
    """The separator to split a block on when every (real) terminator is followed by the same
    newline and there is no other CR/LF; None otherwise (then parts are cleaned one by one)."""
    n_t = body.count(t)
    n_lf = body.count("\n")
    n_cr = body.count("\r")
    n_rel = 0
    if r is not None and r + t in body:
        rt = r + t
        if r + rt not in body:  # every "?'" is a lone release: all are released terminators
            if rt + "\n" in body or rt + "\r" in body:
                return None
            n_rel = body.count(rt)
            i = -1
        else:
            i = body.find(rt)
        while i >= 0:
            j = i
            while j > 0 and body[j - 1] == r:
                j -= 1
            if not (i - j) & 1:  # odd run of release characters: the terminator is released
                n_rel += 1
                if body[i + 2:i + 3] in ("\r", "\n"):
                    return None
            i = body.find(rt, i + 2)
    real = n_t - n_rel
    if n_cr == 0 and n_lf == real:
        sep = t + "\n"
    elif n_lf == real and n_cr == real:
        sep = t + "\r\n"
    elif n_lf == 0 and n_cr == real:
        sep = t + "\r"
    else:
        return None
    return sep if body.count(sep) == real else None


def _merge_released(parts: list[str], t: str, r: str) -> tuple[list[str], int]:
    """Join pieces whose terminator is released; returns (complete pieces, characters left over
    including the final terminator)."""
    merged: list[str] = []
    pending: Optional[str] = None
    for p in parts:
        if pending is not None:
            p = pending + t + p
            pending = None
        if p.endswith(r) and (len(p) - len(p.rstrip(r))) & 1:
            pending = p
            continue
        merged.append(p)
    if pending is not None:
        return merged, len(pending) + 1
    return merged, 0
