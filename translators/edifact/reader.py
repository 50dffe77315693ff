"""Streaming UN/EDIFACT reader (sans-I/O): bytes in, events out.

``EdifactReader.feed(data)`` returns the events completed by ``data``;
``close()`` flushes the rest.  ``iter_events(source)`` drives a reader over
bytes, a binary file or an iterable of byte chunks.  The events are the same
whatever the chunking (whole input, one byte at a time, arbitrary pieces), and
memory is bounded by the chunk size plus the longest segment.

What the reader understands
---------------------------
* ``UNA`` service string advice with any characters; a space in the release
  position means "no release character"; the fifth position is the repetition
  separator in syntax 4 (a space there: none) and reserved before.
* Defaults without UNA: ``:+.? '`` (levels A, C..Y; syntax 4 adds ``*`` as
  repetition separator) and the IS1..IS4 information separators for level B
  (recognised when the byte after ``UNB`` is IS3, 0x1D).
* Release character, including a released release character (``??``); a
  release in front of a character that is not a service character is
  removed and reported as a WARNING (the field habit: ``?4``).
* CR and LF are ignored wherever they are not released: between segments
  and inside tags and values (hard-wrapped files read as if unwrapped).  A
  UTF-8 BOM and white space before an interchange are skipped.
* Syntax identifiers (UNB S001 0001) select the decoding: UNOA/UNOB and
  IATA/IATB ASCII (ISO 646 subsets), UNOC latin-1, UNOD 8859-2, UNOE 8859-5,
  UNOF 8859-7, UNOG..UNOK 8859-3/4/6/8/9, UNOW and UNOY UTF-8.  Unknown
  identifiers decode as latin-1 (the envelope validator reports them).
* UNG/UNE groups, several interchanges per file, a file of UNA + UNH..UNT
  without UNB (``InterchangeStart.unb is None``).

Character checks (findings, never exceptions)
---------------------------------------------
Code 21 ("invalid character(s)": not a character of the repertoire named by
the syntax identifier, ISO 9735 code list 0085) is used for control
characters, NUL, bytes that do not decode, and characters outside UNOA/UNOB.
Code 37 ("invalid type of character") is left to the message validator
(digits vs letters by element format).  Lowercase letters in a UNOA
interchange are the field habit: one WARNING per interchange.  Bytes of an
ISO 8859 interchange that form UTF-8 sequences are decoded as declared (so
``é`` stored as UTF-8 in UNOC reads ``Ã©``) and reported by one WARNING per
interchange; the C1 bytes inside such sequences are not counted as invalid.

Findings name the CONTRL field of the level concerned: ``UCD0085`` for a
character or release problem inside a message segment (element/component
positions: 1 = first data element after the tag), ``UCS0085`` for a
malformed segment in a message, ``UCF0085``/``UCI0085`` outside messages.
Missing trailers are not reported here: the End event carries
``trailer=None`` and the envelope validator (translators.edifact.envelope)
names the error, so a pipeline reports it once.

Shared element lists
--------------------
Segment texts recur a lot (qualifiers, units, dates, codes).  The lean path
keeps a bounded cache, per set of service characters, of segment text (up to
256 characters) -> parsed elements, in two generations of 4096 texts, so
identical segments share one ``elements`` list: events are read-only for every
consumer, and the message validator uses that identity to skip checks it has
already made.  A text found in the old generation is moved back to the young one.

Hot loops
---------
A decoded block is cut into segment texts (newline layout, released terminators) and
runs of ordinary in-message segments of such blocks are read by
``translators/edifact/_tokenize.py`` (``split_block``, ``body_segments``) or, when it is
built, its C twin ``_c_tokenize.c`` (``NATIVE`` says which; ``EDI_GATEWAY_PURE=1`` forces
the Python one).  Both give the same parts and events and share the same lists.
"""
from __future__ import annotations

import re
from typing import BinaryIO, Final, Iterable, Iterator, Optional, Union

from translators.edifact.events import (
    DEFAULT_CHARS, LEVEL_B_CHARS, Event, GroupEnd, GroupStart, InterchangeEnd, InterchangeStart,
    MessageEnd, MessageStart, Segment, ServiceChars,
)
from translators.findings import WARNING, EDIError, Finding, Position
from translators.edifact import _tokenize
from translators.extensions import pick
from translators.gcpause import gc_paused, untrack_events


#: ``body_segments`` (translators/edifact/_tokenize.py or its C twin) and whether it is the
#: C one.
_body_segments, NATIVE = pick("translators.edifact._c_tokenize", "body_segments",
                              _tokenize.body_segments)
#: ``split_block`` (the same twins): a decoded block -> its segment texts
_split_block = pick("translators.edifact._c_tokenize", "split_block", _tokenize.split_block)[0]
_split_block_py = _tokenize.split_block

#: UNB S001 0001 -> Python codec.
ENCODINGS: Final[dict[str, str]] = {
    "UNOA": "ascii", "UNOB": "ascii", "IATA": "ascii", "IATB": "ascii",
    "UNOC": "latin-1", "UNOD": "iso8859-2", "UNOE": "iso8859-5", "UNOF": "iso8859-7",
    "UNOG": "iso8859-3", "UNOH": "iso8859-4", "UNOI": "iso8859-6", "UNOJ": "iso8859-8",
    "UNOK": "iso8859-9", "UNOW": "utf-8", "UNOY": "utf-8",
}
#: Identifiers whose repertoire is a subset of ISO 646 (level A / level B).
LEVEL_A_IDS: Final = frozenset({"UNOA", "IATA"})
LEVEL_B_IDS: Final = frozenset({"UNOB", "IATB"})
UTF8_IDS: Final = frozenset({"UNOW", "UNOY"})
BARE_ENCODING: Final = "utf-8"  # no UNB: no declared character set

_LEVEL_A: Final = "A-Z0-9 .,\\-()/='+:?!\"%&*;<>"  # ISO 9735 level A repertoire (regex class body)
_LEVEL_B: Final = _LEVEL_A + "a-z"
_CONTROLS: Final = "\\x00-\\x08\\x0b\\x0c\\x0e-\\x1f\\x7f"
_UTF8_SEQ: Final = (rb"(?:[\xc2-\xdf][\x80-\xbf]|[\xe0-\xef][\x80-\xbf]{2}"
                    rb"|[\xf0-\xf4][\x80-\xbf]{3})")
_UTF8_SEQ_RE: Final = re.compile(_UTF8_SEQ)
_UTF8_LEAD_RE: Final = re.compile(rb"[\xc2-\xf4][\x80-\xbf]")  # cheap first test for the above

_tuple_new = tuple.__new__  # Segment(...) without the named tuple's Python-level __new__
#: The frozen, slotted dataclass events (and what they hold) that untrack_events may take out
#: of the cyclic collector's care, as it does with segments (translators/_c_untrack.c).
_FROZEN_EVENTS: Final = (InterchangeStart, InterchangeEnd, GroupStart, GroupEnd, MessageStart,
                         MessageEnd, ServiceChars, Finding, Position)
SERVICE_KINDS: Final = {"UNH": 1, "UNT": 2, "UNG": 3, "UNE": 4, "UNZ": 5, "UNB": 6, "UNA": 7}
_TAG_RE: Final = re.compile(r"[A-Z][A-Z0-9]{2}\Z")
_BOM: Final = b"\xef\xbb\xbf"
_WS: Final = b" \t\r\n"
#: bytes without a segment terminator before data is declared unreadable
MAX_PENDING: Final = 8 << 20
_TAG_CACHE_LIMIT: Final = 4096
_PARSE_CACHE_LIMIT: Final = 4096  # segment texts whose parsed elements are kept (per generation)
_PARSE_CACHE_TEXT: Final = 256  # longer segment texts are not kept
_CACHES_LIMIT: Final = 4  # sets of service characters with a parse cache
_PH_BASE: Final = 0x01  # placeholders for released service characters: C0 controls, invalid in data
# (a segment holding one is flagged as suspicious and parsed by the careful parser instead)


class _ParseCache:
    """Segment text -> parsed elements, in two generations: when the young one is full it
    becomes the old one, and texts found there are moved back (so frequent segments stay
    while one-off texts such as document numbers age out)."""

    __slots__ = ("young", "old")

    def __init__(self) -> None:
        self.young: dict[str, list[list[str]]] = {}
        self.old: dict[str, list[list[str]]] = {}

    def age(self) -> dict[str, list[list[str]]]:
        self.old = self.young
        self.young = {}
        return self.young


class _Syntax:
    """Per-interchange tables: separators, decoding and character checks."""

    __slots__ = ("chars", "e", "c", "r", "rep", "t", "tb", "rb", "enc", "suspect", "plain", "bad",
                 "wide", "pairs",
                 "lower", "mojibake", "ph", "restore", "service", "ph_chars", "placeholders_ok",
                 "cache")

    def __init__(self, chars: ServiceChars, syntax_id: Optional[str],
                 reserved: Optional[str]) -> None:
        self.chars = chars
        self.e, self.c, self.r, self.rep, self.t = (chars.element, chars.component, chars.release,
                                                    chars.repetition, chars.segment)
        self.tb = chars.segment.encode("latin-1")
        self.rb = chars.release.encode("latin-1") if chars.release else None
        # no UNB (bare messages): UTF-8; an unknown or empty identifier in a UNB: latin-1
        self.enc = ENCODINGS.get(syntax_id,  # type: ignore[arg-type]  # None: not found
                                 BARE_ENCODING if syntax_id is None else "latin-1")
        service = {chars.component, chars.element, chars.segment}
        if chars.release:
            service.add(chars.release)
        if chars.repetition:
            service.add(chars.repetition)
        if reserved and reserved != " ":
            service.add(reserved)
        self.service = frozenset(service)
        svc = "".join(re.escape(ch) for ch in sorted(service))
        self.lower: Optional[re.Pattern[str]] = None
        self.mojibake = False
        # ``bad``: characters reported as invalid; ``suspect``: a cheap filter run over whole
        # blocks (no look-around: that would be slow), then over the segments it hits.
        if syntax_id is not None and (syntax_id in LEVEL_A_IDS or syntax_id in LEVEL_B_IDS):
            allowed = _LEVEL_A if syntax_id in LEVEL_A_IDS else _LEVEL_B
            # lowercase in level A is reported separately (a warning), not as invalid
            self.bad = re.compile(f"[^{allowed}a-z{svc}\\r\\n]")
            if syntax_id in LEVEL_A_IDS:
                self.lower = re.compile("[a-z]")
            self.suspect = re.compile(f"[^{allowed}{svc}\\r\\n]")
        else:
            # service characters are never invalid (a UNA may name control characters)
            self.bad = re.compile(f"(?![{svc}])[{_CONTROLS}\\x80-\\x9f\\udc80-\\udcff]")
            # ISO 8859 sets: UTF-8 byte sequences are looked for in the raw block (see
            # _step_body) until the interchange has had its warning
            self.mojibake = self.enc != "utf-8"
            self.suspect = re.compile(f"[{_CONTROLS}\\x80-\\x9f\\udc80-\\udcff]")
        self.wide = self.enc == "utf-8"
        # ``plain``: the bytes that decode to a character ``suspect`` does not match, for the
        # same filter on raw blocks (bytes.translate is ~20x faster than the regex): in every
        # single-byte codec a byte is a character; in UTF-8 only for ASCII blocks.
        self.plain = bytes(b for b in range(128 if self.wide else 256) if self.suspect.search(
            bytes((b,)).decode(self.enc, "surrogateescape")) is None)
        # Released service characters are swapped for placeholders (C0 controls \x01..\x08)
        # before splitting; a segment that holds such a control character is flagged as
        # suspicious and parsed by the careful parser instead.
        self.ph: dict[str, str] = {}
        self.restore: dict[int, str] = {}
        self.pairs: list[tuple[str, str]] = []
        self.placeholders_ok = False
        self.ph_chars: Optional[re.Pattern[str]] = None
        if chars.release:
            ph_for = sorted(service | {"\r", "\n"})
            self.ph = {ch: chr(_PH_BASE + i) for i, ch in enumerate(ph_for)}
            self.restore = {_PH_BASE + i: ch for i, ch in enumerate(ph_for)}
            self.pairs = [(chars.release + ch, ph) for ch, ph in self.ph.items()
                          if ch != chars.release]
            self.ph_chars = re.compile(f"[{chr(_PH_BASE)}-{chr(_PH_BASE + len(ph_for) - 1)}]")
            # a service character among the placeholders would collide: careful parser only
            self.placeholders_ok = not any(self.ph_chars.match(ch) for ch in service)
        self.cache = _ParseCache()  # replaced by the reader's shared one


def _at(seg: Segment, position: int) -> Segment:
    """``seg._replace(position=position)``, without the named tuple's Python-level code."""
    return _tuple_new(Segment, (seg[0], seg[1], seg[2], position, seg[4]))


def _comp(elements: list[list[str]], i: int, j: int = 0) -> str:
    if i < len(elements):
        el = elements[i]
        if j < len(el):
            return el[j]
    return ""


def parse_una(una: bytes) -> tuple[ServiceChars, str, list[str]]:
    """UNA + 6 characters -> (chars without repetition, raw fifth character, problems)."""
    text = una.decode("latin-1")
    comp, elem, dec, rel, reserved, term = tuple(text[3:9])  # (mypyc unpacks no str)
    problems = []
    seps = [comp, elem, term]
    if len(set(seps)) != 3:
        problems.append("component separator, element separator and segment terminator must differ")
    for name, ch in (("component separator", comp), ("element separator", elem),
                     ("segment terminator", term)):
        if ch.isalnum() or ch == " ":
            problems.append(f"{name} {ch!r} cannot be a letter, digit or space")
    if rel != " " and (rel in seps or rel.isalnum()):
        problems.append(f"release character {rel!r} is a separator or alphanumeric")
    chars = ServiceChars(component=comp, element=elem, decimal=dec,
                         release=None if rel == " " else rel, repetition=None, segment=term)
    return chars, reserved, problems


class _Parsed:
    """Result of the careful (character by character) segment parser."""

    __slots__ = ("elements", "repeats", "improper", "lone")

    def __init__(self) -> None:
        self.elements: list[list[str]] = []
        self.repeats: Optional[dict[int, list[list[str]]]] = None
        self.improper: list[tuple[int, int, str]] = []  # (element index, component index, char)
        self.lone = False  # a release character at the very end of the segment


def _parse_careful(s: str, sx: _Syntax) -> _Parsed:
    """Universal segment parser honouring release, repetition and ignorable CR/LF."""
    res = _Parsed()
    e, c, r, rep = sx.e, sx.c, sx.r, sx.rep
    service = sx.service
    elements: list[list[str]] = []
    occurrences: list[list[str]] = []
    comps: list[str] = []
    cur: list[str] = []
    i, n = 0, len(s)
    while i < n:
        ch = s[i]
        if r is not None and ch == r:
            if i + 1 < n:
                nxt = s[i + 1]
                if nxt not in service and nxt not in "\r\n":
                    res.improper.append((len(elements), len(comps), nxt))
                cur.append(nxt)
                i += 2
                continue
            res.lone = True
            cur.append(ch)
        elif ch == e:
            comps.append("".join(cur))
            occurrences.append(comps)
            elements.append(occurrences)  # type: ignore[arg-type]
            occurrences, comps, cur = [], [], []
        elif ch == c:
            comps.append("".join(cur))
            cur = []
        elif rep is not None and ch == rep:
            comps.append("".join(cur))
            occurrences.append(comps)
            comps, cur = [], []
        elif ch != "\r" and ch != "\n":
            cur.append(ch)
        i += 1
    comps.append("".join(cur))
    occurrences.append(comps)
    elements.append(occurrences)  # type: ignore[arg-type]
    out: list[list[str]] = []
    repeats: dict[int, list[list[str]]] = {}
    for idx, occ in enumerate(elements):
        occ_list: list[list[str]] = occ  # type: ignore[assignment]
        out.append(occ_list[0])
        if len(occ_list) > 1:
            repeats[idx] = occ_list
    res.elements = out
    res.repeats = repeats or None
    return res


class EdifactReader:
    """Incremental EDIFACT tokenizer and envelope tracker."""

    def __init__(self) -> None:
        self._buf = bytearray()
        self._pos = 0  # index in _buf of the first unprocessed byte
        self._base = 0  # absolute offset of _buf[0]
        self._closed = False
        self._body = False  # inside an interchange
        self._una: Optional[tuple[ServiceChars, str, int]] = None  # pending UNA
        self._seen_interchange = False
        self._sx: Optional[_Syntax] = None
        self._caches: dict[tuple[ServiceChars, frozenset[str]], _ParseCache] = {}
        self._kinds: dict[str, int] = dict.fromkeys(("BGM", "DTM", "NAD", "LIN", "QTY"), 0)
        self._kinds.update(SERVICE_KINDS)
        self._reset_interchange()

    def _reset_interchange(self) -> None:
        self._ic_ref: Optional[str] = None
        self._syntax_id = ""
        self._ic_msgs = 0
        self._ic_groups = 0
        self._in_grp = False
        self._grp_ref: Optional[str] = None
        self._grp_msgs = 0
        self._in_msg = False
        self._msg_ref: Optional[str] = None
        self._msg_type: Optional[str] = None
        self._segpos = 0
        self._warned_lower = False
        self._warned_utf8 = False

    # ------------------------------------------------------------------ API

    def feed(self, data: bytes) -> list[Event]:
        if self._closed:
            raise EDIError("EdifactReader.feed() called after close()")
        out: list[Event] = []
        if data:
            self._buf += data
            self._run_without_gc(out, False)
        return out

    def close(self) -> list[Event]:
        if self._closed:
            return []
        out: list[Event] = []
        self._run_without_gc(out, True)
        if self._body:
            self._end_interchange(out, None, self._base + len(self._buf))
        self._closed = True
        self._buf = bytearray()
        return out

    def _run_without_gc(self, out: list[Event], final: bool) -> None:
        """Tokenizing allocates many small lists that all survive until the caller consumes
        the events; the cyclic collector would scan them again and again (about a quarter of
        the run time) although the reader creates no reference cycles.  It is paused for the
        duration of the call and restored as it was.  The events (envelope events and
        findings included) are untracked before it is
        back: the first allocation after that starts a collection, which would otherwise
        scan every event of the call once (about 8% of a translation)."""
        with gc_paused():
            self._run(out, final)
            untrack_events(out, _FROZEN_EVENTS)

    # ------------------------------------------------------------------ driver

    def _run(self, out: list[Event], final: bool) -> None:
        while True:
            progressed = self._step_body(out, final) if self._body else self._step_start(out, final)
            if not progressed:
                break
        if self._pos:
            del self._buf[:self._pos]
            self._base += self._pos
            self._pos = 0

    def _position(self, offset: int, **kw) -> Position:
        if self._body:
            kw.setdefault("interchange", self._ic_ref or None)
            if self._in_grp:
                kw.setdefault("group", self._grp_ref)
            if self._in_msg:
                kw.setdefault("transaction", self._msg_ref)
                kw.setdefault("transaction_set", self._msg_type)
        return Position(offset=offset, **kw)

    def _field(self) -> str:
        if self._in_msg:
            return "UCS0085"
        if self._in_grp:
            return "UCF0085"
        return "UCI0085"

    def _find_terminator(self, start: int, tb: bytes, rb: Optional[bytes]) -> int:
        buf = self._buf
        k = start
        while True:
            j = buf.find(tb, k)
            if j < 0 or rb is None:
                return j
            n = 0
            m = j - 1
            while m >= start and buf[m] == rb[0]:
                n += 1
                m -= 1
            if not n & 1:
                return j
            k = j + 1

    def _too_long(self, out: list[Event], start: int) -> None:
        """No terminator within MAX_PENDING bytes: skip exactly that much (chunking-independent)."""
        chunk = bytes(self._buf[start:start + 64])
        what = "binary data" if (b"\x00" in chunk or sum(b < 9 for b in chunk) > 4) else "data"
        out.append(Finding("UCI0085", "21" if what == "binary data" else "18",
                           f"{what}: no segment terminator within {MAX_PENDING} bytes; skipped",
                           self._position(self._base + start)))
        self._pos = start + MAX_PENDING

    # ------------------------------------------------------------------ between interchanges

    def _step_start(self, out: list[Event], final: bool) -> bool:
        buf = self._buf
        n = len(buf)
        i = self._pos
        while i < n:
            b = buf[i]
            if b in _WS:
                i += 1
            elif b == 0xEF:
                if buf[i:i + 3] == _BOM:
                    i += 3
                elif n - i < 3 and not final and _BOM.startswith(bytes(buf[i:])):
                    self._pos = i
                    return False
                else:
                    break
            else:
                break
        self._pos = i
        if i >= n:
            return False
        if n - i < 3 and not final:
            return False
        head = bytes(buf[i:i + 3])
        if head == b"UNA":
            if n - i < 9:
                if not final:
                    return False
                out.append(Finding("UCI0085", "13",
                                   f"UNA service string advice too short ({n - i} of 9 characters)",
                                   Position(offset=self._base + i, segment_tag="UNA")))
                self._pos = n
                return False
            chars, reserved, problems = parse_una(bytes(buf[i:i + 9]))
            if problems:
                out.append(Finding("UCI0085", "20", "invalid UNA: " + "; ".join(problems)
                                   + "; default service characters used",
                                   Position(offset=self._base + i, segment_tag="UNA")))
                chars, reserved = DEFAULT_CHARS, " "
            self._una = (chars, reserved, self._base + i)
            self._pos = i + 9
            return True
        if self._una is not None:
            chars, reserved = self._una[0], self._una[1]
        elif head == b"UNB":
            if n - i < 4 and not final:
                return False
            level_b = n - i >= 4 and buf[i + 3] == 0x1D
            chars, reserved = (LEVEL_B_CHARS if level_b else DEFAULT_CHARS), " "
        else:
            chars, reserved = (self._sx.chars if self._sx else DEFAULT_CHARS), " "
        tb = chars.segment.encode("latin-1")
        rb = chars.release.encode("latin-1") if chars.release else None
        j = self._find_terminator(i, tb, rb)
        missing_terminator = False
        if j < 0:
            if n - i > MAX_PENDING:
                self._too_long(out, i)
                return True
            if not final:
                return False
            j = n
            missing_terminator = True
        raw = bytes(buf[i:j])
        probe = _Syntax(chars, "UNOC", reserved)
        parsed = _parse_careful(raw.decode("latin-1"), probe)
        tag = parsed.elements[0][0] if parsed.elements else ""
        if tag == "UNB":
            if missing_terminator:
                out.append(Finding("UCI0085", "13", "segment terminator missing at end of input",
                                   Position(offset=self._base + i, segment_tag="UNB"),
                                   severity=WARNING))
            self._open_interchange(out, raw, parsed, chars, reserved, self._base + i)
            self._pos = min(j + 1, n)
            return True
        if tag == "UNH" or self._una is not None:
            # A bare message file (UNA + UNH..UNT), or a message after the last UNZ.
            if self._seen_interchange and self._una is None:
                out.append(Finding("UCI0085", "33", "UNH outside an interchange (after UNZ, no UNB)",
                                   Position(offset=self._base + i, segment_tag=tag)))
            self._open_bare(out, chars, reserved, self._base + i)
            return True
        # data outside any interchange: skip this segment
        what = "binary data" if (b"\x00" in raw[:64] or sum(c < 9 for c in raw[:64]) > 4) else \
            f"segment {tag[:10]!r}" if _TAG_RE.match(tag) else f"data {raw[:20]!r}"
        out.append(Finding("UCI0085", "33", f"{what} outside an interchange (before UNB or after UNZ)",
                           Position(offset=self._base + i,
                                    segment_tag=tag if _TAG_RE.match(tag) else None)))
        self._pos = min(j + 1, n)
        return True

    def _share_cache(self, sx: _Syntax) -> None:
        """Interchanges with the same service characters parse segments the same way."""
        key = (sx.chars, sx.service)
        cache = self._caches.get(key)
        if cache is None:
            if len(self._caches) >= _CACHES_LIMIT:
                self._caches.clear()
            cache = self._caches[key] = _ParseCache()
        sx.cache = cache

    def _open_interchange(self, out: list[Event], raw: bytes, parsed: _Parsed, chars: ServiceChars,
                          reserved: str, offset: int) -> None:
        syntax_id = _comp(parsed.elements, 1, 0)
        version = _comp(parsed.elements, 1, 1)
        una = self._una is not None
        if version == "4":
            rep = (reserved if reserved != " " else None) if una else "*"
            if rep is not None and rep not in (chars.component, chars.element, chars.segment,
                                               chars.release):
                chars = ServiceChars(chars.component, chars.element, chars.decimal, chars.release,
                                     rep, chars.segment)
        sx = _Syntax(chars, syntax_id, reserved)
        self._share_cache(sx)
        self._reset_interchange()
        self._sx = sx
        self._syntax_id = syntax_id
        text = raw.decode(sx.enc, "surrogateescape")
        parsed = _parse_careful(text, sx)
        els = parsed.elements
        self._ic_ref = _comp(els, 5)
        seg = Segment("UNB", els, offset, 0, parsed.repeats)
        self._una = None
        self._body = True
        self._seen_interchange = True
        out.append(InterchangeStart(
            offset=offset, unb=seg, chars=chars, una=una, syntax_id=syntax_id,
            syntax_version=version, sender_id=_comp(els, 2, 0), sender_qualifier=_comp(els, 2, 1),
            receiver_id=_comp(els, 3, 0), receiver_qualifier=_comp(els, 3, 1),
            date=_comp(els, 4, 0), time=_comp(els, 4, 1), control_reference=self._ic_ref,
            application_reference=_comp(els, 7), ack_requested=_comp(els, 9) == "1",
            test=_comp(els, 11) == "1", encoding=sx.enc))
        flagged = sx.suspect.search(text) is not None or (
            sx.mojibake and _UTF8_SEQ_RE.search(raw) is not None)
        if flagged or parsed.improper or parsed.lone:
            self._after_segment(out, text, els, parsed, offset, "UNB", flagged)

    def _open_bare(self, out: list[Event], chars: ServiceChars, reserved: str, offset: int) -> None:
        sx = _Syntax(chars, None, reserved)
        self._share_cache(sx)
        self._reset_interchange()
        self._sx = sx
        una = self._una is not None
        self._una = None
        self._body = True
        self._seen_interchange = True
        self._ic_ref = ""
        out.append(InterchangeStart(
            offset=offset, unb=None, chars=chars, una=una, syntax_id="", syntax_version="",
            sender_id="", sender_qualifier="", receiver_id="", receiver_qualifier="", date="",
            time="", control_reference="", application_reference="", ack_requested=False,
            test=False, encoding=sx.enc))

    # ------------------------------------------------------------------ inside an interchange

    def _step_body(self, out: list[Event], final: bool) -> bool:
        sx = self._sx
        assert sx is not None
        buf = self._buf
        pos = self._pos
        end = buf.rfind(sx.tb, pos)
        parts: list[str] = []
        raw = b""
        leftover = 0
        if end >= 0:
            raw = bytes(buf[pos:end])
            text = raw.decode(sx.enc, "surrogateescape")
            r = sx.r
            split = _split_block(text, sx.t, r)
            if split is None:  # a text the C twin leaves to the Python one
                split = _split_block_py(text, sx.t, r)
            lead, step, parts, leftover, clean = split
            if leftover and sx.wide:
                leftover = len(text[len(text) + 1 - leftover:].encode(sx.enc, "surrogateescape")) + 1
        if not parts:  # no complete segment yet
            if len(buf) - pos > MAX_PENDING:
                self._too_long(out, pos)
                return True
            if final:
                self._flush_rest(out)
            return False
        utf8 = (sx.mojibake and not self._warned_utf8 and not raw.isascii()
                and _UTF8_LEAD_RE.search(raw) is not None and _UTF8_SEQ_RE.search(raw) is not None)
        consumed = self._segments(parts, self._base + pos + lead, out, sx.wide and not raw.isascii(),
                                  step, clean,
                                  utf8 or (bool(raw.translate(None, sx.plain))
                                           if not sx.wide or raw.isascii()
                                           else sx.suspect.search(text, lead) is not None),
                                  sx.r is not None and text.find(sx.r, lead) >= 0, utf8)
        if consumed is None:
            self._pos = pos + len(raw) + 1 - leftover
        else:
            self._pos = pos + lead + consumed
        return True

    def _flush_rest(self, out: list[Event]) -> None:
        """End of input inside an interchange: bytes after the last terminator."""
        sx = self._sx
        assert sx is not None
        pos = self._pos
        rest = bytes(self._buf[pos:])
        self._pos = len(self._buf)
        if not rest.strip(_WS):
            return
        stripped = rest.lstrip(b"\r\n")
        out.append(Finding(self._field(), "13", "segment terminator missing at end of input",
                           self._position(self._base + pos + len(rest) - len(stripped)),
                           severity=WARNING))
        self._segments([rest.decode(sx.enc, "surrogateescape")], self._base + pos, out,
                       sx.wide and not rest.isascii(), 1, False, True, sx.r is not None,
                       sx.mojibake and not self._warned_utf8)

    def _segments(self, parts: list[str], base: int, out: list[Event], wide: bool, step: int,
                  clean: bool, suspicious: bool, released: bool,
                  utf8: bool = False) -> Optional[int]:
        """Process complete segments; returns the bytes consumed when stopping early, else None.

        ``step``: length of the separator between parts (terminator plus newline when every
        terminator of the block is followed by the same newline); ``clean``: no other CR/LF in
        the parts; ``suspicious``: the block holds characters worth a per-segment check;
        ``released``: the block holds the release character."""
        sx = self._sx
        assert sx is not None
        if wide or not clean or suspicious or sx.rep is not None:
            return self._segments_general(parts, base, out, wide, step, clean, suspicious, released,
                                          utf8)
        # The common case: runs of ordinary in-message segments are read by
        # translators/edifact/_tokenize.py (or its C twin), which stops at every "special"
        # part (service segments, unknown tags, released characters, an empty part, a parse
        # cache to age); those take the per-segment path below.
        # Identical segment texts recur a lot (qualifiers, units, dates, codes): their element
        # lists are parsed once and shared (events are read-only), which also lets the message
        # validator remember them as checked.
        n = len(parts)
        e, c, r = sx.e, sx.c, (sx.r if released else None)
        pc = sx.cache
        kinds = self._kinds
        fast = _body_segments
        i = 0
        off = base
        while True:
            if self._in_msg:
                i, off, self._segpos = fast(parts, i, off, step, e, c, r, pc.young, pc.old, kinds,
                                            _PARSE_CACHE_TEXT, _PARSE_CACHE_LIMIT, self._segpos,
                                            out, Segment)
            if i >= n:
                return None
            p = parts[i]
            elements, parsed = self._lookup(p, sx, r)
            end = off + len(p) + step
            stop = self._one(out, p, elements, None, parsed, False, off, end, step, base)
            if stop is not None:
                return stop
            off = end
            i += 1

    def _lookup(self, p: str, sx: _Syntax, r: Optional[str]) -> tuple[list[list[str]],
                                                                    Optional[_Parsed]]:
        """The elements of one segment text of the lean path, through the parse cache (the
        same rules as translators/edifact/_tokenize.py, plus ageing and the careful parser);
        a released text is cached when the careful parse found nothing to report."""
        pc = sx.cache
        elements = pc.young.get(p)
        if elements is not None:
            return elements, None
        elements = pc.old.get(p)
        if elements is None:
            if r is not None and r in p:
                elements, _, parsed = self._careful(p, sx, False)
                if parsed is not None:
                    return elements, parsed
            else:
                elements = [x.split(sx.c) for x in p.split(sx.e)]
        if len(p) <= _PARSE_CACHE_TEXT:
            young = pc.young
            if len(young) >= _PARSE_CACHE_LIMIT:
                young = pc.age()
            young[p] = elements
        return elements, None

    def _segments_general(self, parts: list[str], base: int, out: list[Event], wide: bool,
                          step: int, clean: bool, suspicious: bool, released: bool,
                          utf8: bool = False) -> Optional[int]:
        """Same as the lean loop, for blocks with wide characters, stray CR/LF, suspicious
        characters or syntax-4 repetitions."""
        sx = self._sx
        assert sx is not None
        e, c, rep, enc = sx.e, sx.c, sx.rep, sx.enc
        r = sx.r if released else None
        suspect = sx.suspect.search
        off = base
        for p in parts:
            start = off
            if wide:
                off += len(p.encode(enc, "surrogateescape")) + step
            else:
                off += len(p) + step
            if not clean:
                c0 = p[:1]
                if c0 == "\n" or c0 == "\r":
                    q = p.lstrip("\r\n")
                    start += len(p) - len(q) if not wide else len(
                        p.encode(enc, "surrogateescape")) - len(q.encode(enc, "surrogateescape"))
                    p = q
            flagged = suspicious and (suspect(p) is not None or (
                utf8 and not self._warned_utf8
                and _UTF8_SEQ_RE.search(p.encode(enc, "surrogateescape")) is not None))
            repeats = None
            parsed = None
            if (r is not None and r in p) or (rep is not None and rep in p):
                elements, repeats, parsed = self._careful(p, sx, flagged)
            else:
                if not clean and ("\n" in p or "\r" in p):
                    p = p.replace("\r", "").replace("\n", "")
                elements = [x.split(c) for x in p.split(e)]
            stop = self._one(out, p, elements, repeats, parsed, flagged, start, off, step, base)
            if stop is not None:
                return stop
        return None

    def _one(self, out: list[Event], p: str, elements: list[list[str]],
             repeats: Optional[dict[int, list[list[str]]]], parsed: Optional[_Parsed],
             flagged: bool, start: int, off: int, step: int, base: int) -> Optional[int]:
        """One segment, any kind; returns the bytes consumed when the block must stop here."""
        if not p:
            out.append(Finding(self._field(), "18", "empty segment (two segment terminators)",
                               self._position(start), severity=WARNING))
            return None
        tag = elements[0][0]
        kind = self._kinds.get(tag)
        if kind is None:
            kind = self._classify(tag)
        in_msg = self._in_msg
        if kind == 0:
            if in_msg:
                self._segpos += 1
                out.append(_tuple_new(Segment, (tag, elements, start, self._segpos, repeats)))
            else:
                self._outside(out, tag, start)
            if flagged or parsed is not None:
                self._after_segment(out, p, elements, parsed, start, tag, flagged)
            return None
        if kind == -1:
            if tag[:3] == "UNA":
                return self._restart(out, start, base)
            if in_msg:
                self._segpos += 1
            out.append(Finding(
                "UCS0085" if in_msg else self._field(), "12",
                f"malformed segment: {tag[:20]!r} is not a segment tag "
                f"(unreleased separator or terminator in the previous segment?)",
                self._position(start, segment_tag=tag[:3] or None,
                               segment_position=self._segpos if in_msg else None,
                               bad_value=tag[:35])))
            return None
        if kind == 6 or kind == 7:
            return self._restart(out, start, base)
        seg = _tuple_new(Segment, (tag, elements, start, 0, repeats))
        if kind == 1:
            self._unh(out, seg)
        elif kind == 2:
            self._unt(out, seg)
        elif kind == 3:
            self._ung(out, seg)
        elif kind == 4:
            self._une(out, seg)
        else:  # UNZ
            if flagged or parsed is not None:
                self._after_segment(out, p, elements, parsed, start, tag, flagged)
            self._close_message(out, start)
            self._close_group(out, start)
            self._end_interchange(out, seg, start)
            return off - step + 1 - base  # up to the terminator; newlines are skipped later
        if flagged or parsed is not None:
            self._after_segment(out, p, elements, parsed, start, tag, flagged)
        return None

    def _restart(self, out: list[Event], start: int, base: int) -> int:
        """UNA/UNB inside an interchange: the previous one lacks UNZ; reread from here."""
        self._close_message(out, start)
        self._close_group(out, start)
        self._end_interchange(out, None, start)
        return start - base

    def _classify(self, tag: str) -> int:
        kind = 0 if _TAG_RE.match(tag) else -1
        if len(self._kinds) < _TAG_CACHE_LIMIT:
            self._kinds[tag] = kind
        return kind

    def _careful(self, s: str, sx: _Syntax, suspicious: bool = True):
        """Segment holding a release or repetition character."""
        r = sx.r
        if (r is not None and sx.rep is None and sx.placeholders_ok
                and not (suspicious and sx.ph_chars.search(s))):  # type: ignore[union-attr]
            # Replace released pairs by placeholders: "??" first, then "?x" for each service
            # character x; pairing from the left like a scanner does.
            s2 = s.replace(r + r, sx.ph[r]) if r + r in s else s
            for pair, ph in sx.pairs:
                if pair in s2:
                    s2 = s2.replace(pair, ph)
            if r not in s2:  # no improper or dangling release
                if "\n" in s2 or "\r" in s2:
                    s2 = s2.replace("\r", "").replace("\n", "")
                c = sx.c
                restore = sx.restore
                # placeholders are control characters: printable elements hold none
                elements = [x.split(c) if x.isprintable() else
                            [y.translate(restore) for y in x.split(c)] for x in s2.split(sx.e)]
                return elements, None, None
        parsed = _parse_careful(s, sx)
        return parsed.elements, parsed.repeats, parsed

    def _after_segment(self, out: list[Event], s: str, elements: list[list[str]],
                       parsed: Optional[_Parsed], start: int, tag: str, flagged: bool) -> None:
        if parsed is not None:
            seen: set[tuple[int, int]] = set()
            for ei, ci, ch in parsed.improper:
                if (ei, ci) in seen:
                    continue
                seen.add((ei, ci))
                out.append(Finding(
                    "UCD0085" if self._in_msg else self._field(), "22",
                    f"{tag}: release character before {ch!r}, which is not a service character "
                    f"(release removed)",
                    self._position(start, segment_tag=tag, segment_position=self._seg_position(),
                                   element_position=ei or None, component_position=ci + 1,
                                   bad_value=ch), severity=WARNING))
            if parsed.lone:
                out.append(Finding(
                    "UCS0085" if self._in_msg else self._field(), "22",
                    f"{tag}: release character at the end of the segment releases nothing",
                    self._position(start, segment_tag=tag, segment_position=self._seg_position()),
                    severity=WARNING))
        if flagged:
            self._check_chars(out, s, start, tag, elements)

    def _seg_position(self) -> Optional[int]:
        return self._segpos if self._in_msg else None

    def _check_chars(self, out: list[Event], s: str, start: int, tag: str,
                     elements: list[list[str]]) -> None:
        sx = self._sx
        assert sx is not None
        raw = s.encode(sx.enc, "surrogateescape")
        if sx.mojibake and _UTF8_SEQ_RE.search(raw):
            if not self._warned_utf8:
                self._warned_utf8 = True
                out.append(Finding(
                    self._level_field(), "21",
                    f"bytes look like UTF-8 although the syntax identifier declares {sx.enc}; "
                    f"decoded as declared",
                    self._position(start, segment_tag=tag, segment_position=self._seg_position()),
                    severity=WARNING))
            # ignore the C1 bytes inside UTF-8 sequences
            cleaned = _UTF8_SEQ_RE.sub(b"", raw).decode(sx.enc, "surrogateescape")
            if not sx.bad.search(cleaned):
                return
            elements = [[_UTF8_SEQ_RE.sub(b"", x.encode(sx.enc, "surrogateescape")).decode(
                sx.enc, "surrogateescape") for x in el] for el in elements]
        lower_seen = False
        lower = sx.lower
        for ei, el in enumerate(elements):
            for ci, value in enumerate(el):
                if lower is not None and not lower_seen and lower.search(value):
                    lower_seen = True
                m = sx.bad.search(value)
                if m is None:
                    continue
                bad = m.group(0)
                out.append(Finding(
                    "UCD0085" if self._in_msg else self._level_field(), "21",
                    f"{tag}: invalid character {bad!r} (U+{ord(bad):04X}) for the character "
                    f"repertoire of the interchange ({self._syntax_name()})",
                    self._position(start, segment_tag=tag, segment_position=self._seg_position(),
                                   element_position=ei or None,
                                   component_position=ci + 1 if ei else None,
                                   bad_value=value[:35])))
        if lower_seen and not self._warned_lower:
            self._warned_lower = True
            out.append(Finding(
                self._level_field(), "21",
                "lowercase letters in a level A (UNOA) interchange: accepted (field habit)",
                self._position(start, segment_tag=tag, segment_position=self._seg_position()),
                severity=WARNING))

    def _syntax_name(self) -> str:
        return self._syntax_id or "no UNB, read as UTF-8"

    def _level_field(self) -> str:
        if self._in_msg:
            return "UCM0085"
        return "UCF0085" if self._in_grp else "UCI0085"

    def _outside(self, out: list[Event], tag: str, start: int) -> None:
        out.append(Finding(self._field(), "33",
                           f"segment {tag} outside a message (between UNB/UNG and UNH)",
                           self._position(start, segment_tag=tag)))

    # ------------------------------------------------------------------ envelope bookkeeping

    def _unh(self, out: list[Event], seg: Segment) -> None:
        self._close_message(out, seg.offset)
        els = seg.elements
        self._in_msg = True
        self._segpos = 1
        self._msg_ref = _comp(els, 1)
        self._msg_type = _comp(els, 2, 0)
        if self._in_grp:
            self._grp_msgs += 1
        else:
            self._ic_msgs += 1
        out.append(MessageStart(
            offset=seg.offset, unh=_at(seg, 1), reference=self._msg_ref,
            message_type=self._msg_type, version=_comp(els, 2, 1), release=_comp(els, 2, 2),
            agency=_comp(els, 2, 3), association_code=_comp(els, 2, 4)))

    def _unt(self, out: list[Event], seg: Segment) -> None:
        if not self._in_msg:
            out.append(Finding(self._field(), "33", "UNT without UNH",
                               self._position(seg.offset, segment_tag="UNT")))
            return
        count = self._segpos + 1
        out.append(MessageEnd(offset=seg.offset, reference=self._msg_ref or "",
                              message_type=self._msg_type or "",
                              trailer=_at(seg, count), segment_count=count))
        self._in_msg = False
        self._msg_ref = self._msg_type = None
        self._segpos = 0

    def _ung(self, out: list[Event], seg: Segment) -> None:
        self._close_message(out, seg.offset)
        self._close_group(out, seg.offset)
        els = seg.elements
        self._in_grp = True
        self._grp_ref = _comp(els, 5)
        self._grp_msgs = 0
        self._ic_groups += 1
        out.append(GroupStart(offset=seg.offset, ung=seg, group_id=_comp(els, 1),
                              sender_id=_comp(els, 2), receiver_id=_comp(els, 3),
                              control_reference=self._grp_ref))

    def _une(self, out: list[Event], seg: Segment) -> None:
        self._close_message(out, seg.offset)
        if not self._in_grp:
            out.append(Finding("UCI0085", "33", "UNE without UNG",
                               self._position(seg.offset, segment_tag="UNE")))
            return
        out.append(GroupEnd(offset=seg.offset, control_reference=self._grp_ref or "", trailer=seg,
                            message_count=self._grp_msgs))
        self._in_grp = False
        self._grp_ref = None

    def _close_message(self, out: list[Event], offset: int) -> None:
        if self._in_msg:
            out.append(MessageEnd(offset=offset, reference=self._msg_ref or "",
                                  message_type=self._msg_type or "", trailer=None,
                                  segment_count=self._segpos))
            self._in_msg = False
            self._msg_ref = self._msg_type = None
            self._segpos = 0

    def _close_group(self, out: list[Event], offset: int) -> None:
        if self._in_grp:
            out.append(GroupEnd(offset=offset, control_reference=self._grp_ref or "", trailer=None,
                                message_count=self._grp_msgs))
            self._in_grp = False
            self._grp_ref = None

    def _end_interchange(self, out: list[Event], seg: Optional[Segment], offset: int) -> None:
        self._close_message(out, offset)
        self._close_group(out, offset)
        count = self._ic_groups if self._ic_groups else self._ic_msgs
        out.append(InterchangeEnd(offset=offset, control_reference=self._ic_ref or "",
                                  trailer=seg, count=count))
        self._body = False
        self._reset_interchange()


Source = Union[bytes, bytearray, memoryview, BinaryIO, Iterable[bytes]]


def iter_events(source: Source, chunk_size: int = 1 << 16) -> Iterator[Event]:
    """Read a whole source through an ``EdifactReader``."""
    reader = EdifactReader()
    if isinstance(source, (bytes, bytearray, memoryview)):
        view = memoryview(source)
        for i in range(0, len(view), chunk_size):
            yield from reader.feed(bytes(view[i:i + chunk_size]))
    elif hasattr(source, "read"):
        read = source.read  # type: ignore[union-attr]
        while True:
            chunk = read(chunk_size)
            if not chunk:
                break
            yield from reader.feed(chunk)
    else:
        for chunk in source:  # type: ignore[union-attr]
            yield from reader.feed(chunk)
    yield from reader.close()


__all__ = ["EdifactReader", "iter_events", "parse_una", "ENCODINGS", "MAX_PENDING"]
