"""Sans-I/O streaming reader for ASC X12: bytes in, events out.

``X12Reader.feed(data)`` returns the events completed by ``data``;
``close()`` returns the rest (open structures get their End event with
``trailer=None``).  The events do not depend on how the input is cut into
chunks: feeding a file whole, one byte at a time or in arbitrary pieces gives
the same list.  Only the unfinished tail (at most one segment, bounded by
``max_segment_length``) is kept between feeds, so memory does not grow with
the input.  ``iter_events`` wraps the reader for bytes, binary files and
iterables of byte blocks.

Decoding strategy
-----------------
Input bytes are decoded as latin-1, a bijection between bytes and the first
256 code points, so finding delimiters is plain ``str.find`` / ``str.split``
and string indexes are byte offsets (the hot loop, translators/x12/_tokenize.py
or its C twin, reads a buffer's plain body segments in one call; the rest go
one by one through the general path).  Delimiters are found per ISA and may be several
bytes long in that representation (a UTF-8 encoded terminator such as U+00D6
is the two characters ``'\\xc3\\x96'``).  Element values are then made proper
text lazily, one segment at a time, and only for segments that are not pure
ASCII (``str.isascii`` is O(1) in CPython): such a segment is decoded as
UTF-8 when it is valid UTF-8, otherwise it stays latin-1.  EBCDIC input is
recognised by ``ISA`` in code page 037 (bytes C9 E2 C1) and that interchange
is transcoded with cp037 (also a byte bijection, so offsets stay exact).
``InterchangeStart.encoding`` tells what the header showed: ``cp037``;
``utf-8`` when a BOM precedes the ISA or the ISA itself holds UTF-8 sequences
(NBSP padding, multi-byte delimiters); ``latin-1`` when the ISA holds bytes
that are not UTF-8; otherwise ``ascii``.  Delimiters in ``Delimiters`` are
the decoded characters.

Delimiters and field habits handled
-----------------------------------
Element separator = the character after ``ISA``; the ISA is split by it into
16 elements whatever their widths (103/107/122-byte ISAs); ISA16 = component
separator; the segment terminator is the character after ISA16; CR/LF after
terminators are the ``suffix``.  A newline may be the terminator itself; CR
before an LF terminator is dropped.  Leading whitespace (indentation, record
padding, blank lines) before a segment is skipped, so several segments per
line, tab-indented segments, 80-byte padded records, trailing blank lines and
a missing final newline all read the same.  When ISA16 is followed by a
newline and the next line also ends with the ISA16 character (edinet
issue135: the sender ends every line with ``~`` + LF), the newline is the
terminator and one trailing ISA16 character is dropped from every segment;
a warning (TA105=027) says so.  An ISA whose character after ISA16 is not
usable but which ends early at a newline or ``~`` (fields missing, padding
stripped) is read up to there, with a finding for the first missing field.
Repetition separator = ISA11 when ISA12 >= 00501 and ISA11 is usable, else
``None`` (X12 made ISA11 the repetition separator in 00402, but 004xx senders
still put data characters there; the envelope validator accepts either).
A candidate ``ISA`` preceded by a letter or digit (``VISA*``) is not a
header.

Reader findings
---------------
Only what the reader alone can see; control numbers and counts are checked
by ``translators.x12.envelope``.

* TA105=024 for data that is not inside an interchange (garbage or binary
  data before the first ISA, between interchanges, a GS without ISA, or a
  file without any ISA), one finding per contiguous run; for segments that
  stand outside the structure that may hold them (anything but TA1/ISB/ISE/
  ISX between ISA and GS, anything but ST/GE between GS and ST, an SE/GE
  without its header), one finding per run of such segments: they are
  emitted as ``Segment`` with position 0; for NUL bytes in a segment; and for
  a segment longer than ``max_segment_length`` (discarded).
* A broken ISA: 027 (component separator), 004 (segment terminator), the
  field's own code (010-020, see ``envelope.ISA_FIELD_NOTE``) for the first
  missing ISA field or for a field that swallows the segment terminator, 022
  for an ISA with neither 16 elements nor a terminator, 023 for input ending
  inside the ISA.  Without a usable terminator the interchange cannot be
  read: InterchangeStart, the finding and InterchangeEnd are emitted and the
  rest up to the next ISA is skipped silently (it belongs to that
  interchange).  ``ISA`` followed by a letter, digit or space is not taken
  for a header at all (so there is no TA105=026 finding: the text is data
  outside an interchange).
* AK304=1 for a segment tag that is not 2-3 uppercase letters/digits (the
  segment is still emitted and counted).
* TA105=023 as a warning when the last segment has no terminator and the
  terminator is not a newline.

Missing trailers get no reader finding: End(trailer=None) says it and the
envelope validator reports it (AK502=2, AK905=3, TA105=023).
"""
from __future__ import annotations

import os
import re
from itertools import chain
from typing import Any, BinaryIO, Final, Iterable, Iterator, Optional, Union

from translators.codes import str_keyed
from translators.findings import ERROR, WARNING, Finding, Position
from translators.gcpause import gc_paused, untrack_events
from translators.x12 import _tokenize
from translators.x12.envelope import ISA_FIELD_NOTE
from translators.x12.events import (
    Delimiters, Event, GroupEnd, GroupStart, InterchangeEnd, InterchangeStart, Segment,
    TransactionEnd, TransactionStart,
)

__all__ = ["X12Reader", "iter_batches", "iter_events", "NATIVE"]


def _no_table() -> None:
    return None


def _hot_loop():  # type: ignore[no-untyped-def]
    """The C tokenizer when it is built and not disabled by EDI_GATEWAY_PURE=1."""
    if os.environ.get("EDI_GATEWAY_PURE", "") not in ("", "0"):
        return _tokenize.body_segments, False, _no_table
    try:
        from translators.x12 import _c_tokenize
    except ImportError:
        return _tokenize.body_segments, False, _no_table
    return _c_tokenize.body_segments, True, _c_tokenize.Shared


#: ``body_segments`` (translators/x12/_tokenize.py or its C twin), whether it is the C one,
#: and what makes a reader's table of shared short strings (None for the Python twin).
_body_segments, NATIVE, _new_table = _hot_loop()

#: the frozen, slotted event types untrack_events may take out of the collector's care
_FROZEN_EVENTS: Final = (InterchangeStart, InterchangeEnd, GroupStart, GroupEnd,
                         TransactionStart, TransactionEnd, Delimiters, Finding, Position)
_TAG: Final = re.compile(r"[A-Z0-9]{2,3}")
_ISA_MAX: Final = 512  # an ISA is 106 chars; NBSP padding makes 122; be lenient
_LOOKAHEAD: Final = 4096  # how far to look past the ISA for the '~'-as-ISA16 habit
_EBCDIC_ISA: Final = "\xc9\xe2\xc1"  # 'ISA' in cp037, seen through latin-1
_WS: Final = " \t\r\n\x0b\x0c"
_SEEK_OK: Final = _WS + "\x1a\xef\xbb\xbf"  # whitespace, DOS EOF, UTF-8 BOM bytes
_EBCDIC_OK: Final = "\x40\x15\x25\x0d"  # EBCDIC space, NL, LF, CR (seen through latin-1)
_SAMPLE: Final = 40

# segment kinds
_BODY: Final = 0
_ISA: Final = 1
_IEA: Final = 2
_GS: Final = 3
_GE: Final = 4
_ST: Final = 5
_SE: Final = 6
_LEVEL: Final = 7
_CONTROL: Final = str_keyed({"ISA": _ISA, "IEA": _IEA, "GS": _GS, "GE": _GE, "ST": _ST, "SE": _SE,
                   "TA1": _LEVEL, "ISB": _LEVEL, "ISE": _LEVEL, "ISX": _LEVEL})

# what _control asks the loop to do
_GO: Final = 0
_ENDED: Final = 1
_RESTART: Final = 2
# reader modes
_SEEK: Final = 0
_INTERCHANGE: Final = 1
# structure states inside an interchange
_IN_ISA: Final = 0
_IN_GS: Final = 1
_IN_ST: Final = 2


def _seg(tag: str, elements: list[str], offset: int, position: int) -> Segment:
    """``Segment(...)`` without the named tuple's ``__new__`` (Python code, even when this
    module is compiled)."""
    return tuple.__new__(Segment, (tag, elements, offset, position))  # type: ignore[type-var,return-value]


def _utf8_len(lead: str) -> int:
    if "\xc2" <= lead <= "\xdf":
        return 2
    if "\xe0" <= lead <= "\xef":
        return 3
    if "\xf0" <= lead <= "\xf4":
        return 4
    return 1


def _char_at(text: str, i: int, utf8: bool) -> tuple[str, bool]:
    """The (possibly multi-byte UTF-8) character at i and whether it is complete."""
    if i >= len(text):
        return "", False
    c = text[i]
    if not utf8:
        return c, True
    n = _utf8_len(c)
    if n == 1:
        return c, True
    seq = text[i:i + n]
    if len(seq) < n:
        return seq, False
    try:
        seq.encode("latin-1").decode("utf-8")
    except UnicodeDecodeError:
        return c, True
    return seq, True


def _to_text(raw: str, utf8: bool) -> str:
    """latin-1 view -> proper text (UTF-8 when valid)."""
    if not utf8 or raw.isascii():
        return raw
    try:
        return raw.encode("latin-1").decode("utf-8")
    except UnicodeDecodeError:
        return raw


def _bad_delimiter(c: str) -> bool:
    """Letters and digits (X12 basic character set) and space cannot delimit."""
    return not c or (c.isascii() and c.isalnum()) or c == " "


def _isa_start(s: str) -> bool:
    """Does segment text s begin a new interchange (any element separator)?"""
    return s[:3] == "ISA" and len(s) > 3 and not s[3].isalnum() and not s[3].isspace()


class X12Reader:
    """Incremental X12 reader; see the module docstring."""

    def __init__(self, max_segment_length: int = 1 << 20) -> None:
        self._maxlen = max_segment_length
        self._buf = ""
        self._base = 0  # byte offset of _buf[0]
        self._mode = _SEEK
        self._codec = "latin-1"
        self._closed = False
        # seek-mode state
        self._quiet = False  # skipping the body of an interchange with a fatal ISA
        self._seek_ok = _SEEK_OK
        self._garbage_at: Optional[int] = None
        self._garbage_sample = ""
        self._garbage_binary = False
        self._interchanges = 0
        self._reported_none = False
        self._bom = False
        self._prev = ""  # the character before _buf[0] while seeking
        # interchange state
        self._kinds: dict[str, int] = dict(_CONTROL)
        self._es = "*"
        self._es_text = "*"
        self._term = "~"
        self._rstrip = ""
        self._utf8 = False
        self._discard = False
        self._state = _IN_ISA
        self._pos = 0
        self._stray = False
        self._isa13 = ""
        self._group_count = 0
        self._gs06: Optional[str] = None
        self._gs08 = ""
        self._tx_count = 0
        self._st01: Optional[str] = None
        self._st02: Optional[str] = None
        self._tx_plain = False  # no segment of the open transaction set held a non-ASCII byte
        #: the C loop's short strings, shared by all the segments this reader reads
        self._shared: object = _new_table()

    # ------------------------------------------------------------------ API
    def feed(self, data: Any) -> list[Event]:
        """Events completed by data (bytes, bytearray, memoryview...).  Never raises on
        content."""
        out: list[Event] = []
        if self._closed or not data:
            return out
        self._buf += bytes(data).decode(self._codec)
        self._run_without_gc(False, out)
        return out

    def close(self) -> list[Event]:
        """End of input: the remaining events; later feed/close return []."""
        out: list[Event] = []
        if self._closed:
            return out
        self._closed = True
        self._run_without_gc(True, out)
        tail: list[Event] = []  # (out is untracked: what follows goes into a list of its own)
        if self._mode == _INTERCHANGE:
            self._close_interchange(self._base, tail)
            self._mode = _SEEK
        self._flush_garbage(tail)
        if self._interchanges == 0 and not self._reported_none:
            tail.append(self._finding("TA105", "024", "input holds no X12 interchange (no ISA)",
                                      self._base))
        return out + tail if tail else out

    # ------------------------------------------------------------- helpers
    def _position(self, offset: int, **extra) -> Position:
        if self._mode != _INTERCHANGE:
            return Position(offset=offset, **extra)
        in_gs = self._state >= _IN_GS
        in_st = self._state == _IN_ST
        return Position(offset=offset, interchange=self._isa13,
                        group=self._gs06 if in_gs else None,
                        transaction=self._st02 if in_st else None,
                        transaction_set=self._st01 if in_st else None, **extra)

    def _finding(self, field: str, code: str, message: str, offset: int,
                 severity: str = ERROR, **extra) -> Finding:
        return Finding(field, code, message, self._position(offset, **extra), severity)

    def _run_without_gc(self, final: bool, out: list[Event]) -> None:
        """Reading allocates two small objects per segment (the element list and
        the Segment) that all survive until the caller takes the events; the
        cyclic collector would scan them again and again (about a quarter of the
        reading time) although the reader creates no reference cycles.  It is
        paused for the duration of the call (which never yields) and restored.  The
        events are untracked before it is: the collection that re-enabling it soon
        triggers would otherwise scan every event of the block once more."""
        with gc_paused():
            self._run(final, out)
            # the events, and the list itself: the stages read it or copy it, never add to it
            untrack_events(out, _FROZEN_EVENTS, True)

    def _run(self, final: bool, out: list[Event]) -> None:
        while True:
            if self._mode == _SEEK:
                if not self._seek(final, out):
                    return
            elif not self._read(final, out):
                return

    # --------------------------------------------------------------- seeking
    def _note_garbage(self, text: str, offset: int) -> None:
        """Account for seek-mode text that is not an ISA.  Once a run of
        garbage started, everything up to the next ISA belongs to it."""
        if not text or self._quiet:
            return
        junk = text if self._garbage_at is not None else text.lstrip(self._seek_ok)
        if not junk:
            return
        if self._garbage_at is None:
            self._garbage_at = offset + len(text) - len(junk)
        if len(self._garbage_sample) < _SAMPLE:
            self._garbage_sample += junk[:_SAMPLE - len(self._garbage_sample)]
        if not self._garbage_binary:
            self._garbage_binary = bool(junk.translate(_PRINTABLE_DELETE))

    def _flush_garbage(self, out: list[Event]) -> None:
        if self._garbage_at is None:
            return
        sample = self._garbage_sample
        gs = sample.startswith("GS") and len(sample) > 2 and not sample[2].isalnum()
        if self._garbage_binary:
            msg = "binary data outside any interchange"
        elif gs:
            msg = "GS segment outside an interchange (no ISA before it)"
        else:
            msg = "data outside any interchange (not an ISA segment)"
        if self._interchanges == 0:
            msg += "; no ISA found before it"
            self._reported_none = True
        out.append(Finding("TA105", "024", msg,
                           Position(offset=self._garbage_at, bad_value=sample[:_SAMPLE])))
        self._garbage_at = None
        self._garbage_sample = ""
        self._garbage_binary = False

    def _seek(self, final: bool, out: list[Event]) -> bool:
        """Find the next ISA; True when an interchange was opened (or a fatal
        ISA consumed) and there may be more to do."""
        text = self._buf
        start = 0
        while True:
            i = text.find("ISA", start)
            j = text.find(_EBCDIC_ISA, start)
            if j >= 0 and (i < 0 or j < i):
                i, ebcdic = j, True
            else:
                ebcdic = False
            if i < 0:
                keep = 0 if final else min(len(text), 6)  # 'IS' + a BOM may follow
                self._cut_seek(text, len(text) - keep)
                return False
            if i + 3 >= len(text) and not final:
                self._cut_seek(text, max(0, i - 3))  # keep a BOM that may precede
                return False
            if ebcdic:
                nxt = text[i + 3:i + 4].encode("latin-1").decode("cp037")
            else:
                seq, complete = _char_at(text, i + 3, True)
                if not complete and not final:
                    self._cut_seek(text, max(0, i - 3))
                    return False
                nxt = _to_text(seq, True)
            prev = text[i - 1] if i else self._prev
            plausible = (nxt and not _bad_delimiter(nxt) and not nxt.isspace()
                         and (ebcdic or not (prev.isascii() and prev.isalnum())))
            if plausible:
                break
            start = i + 1
        bom = text[max(0, i - 3):i] == "\xef\xbb\xbf" or (i == 0 and self._bom)
        self._bom = bom  # the ISA may need more input; remember what preceded it
        self._cut_seek(text, i)
        if ebcdic:
            self._buf = self._buf.encode("latin-1").decode("cp037")
            self._codec = "cp037"
        if not self._open_interchange(final, bom, out):
            if ebcdic:
                self._buf = self._buf.encode("cp037").decode("latin-1")
                self._codec = "latin-1"
            return False
        return True

    def _cut_seek(self, text: str, cut: int) -> None:
        """Account text[:cut] as seen (garbage unless tolerated) and drop it."""
        if cut > 0:
            self._note_garbage(text[:cut], self._base)
            self._prev = text[cut - 1]
        self._buf = text[cut:]
        self._base += cut

    # ----------------------------------------------------------- ISA parsing
    def _open_interchange(self, final: bool, bom: bool, out: list[Event]) -> bool:
        """Parse the ISA at the start of _buf and open its interchange.

        False when more input is needed to decide.  Every decision only looks
        at a bounded prefix, so the outcome does not depend on chunking."""
        t = self._buf
        base = self._base
        ebcdic = self._codec == "cp037"
        utf8 = not ebcdic
        notes: list[tuple[str, str, Optional[int], str]] = []  # (TA105, message, element, severity)
        sep, ok = _char_at(t, 3, utf8)
        if not ok and not final:
            return False
        limit = min(len(t), _ISA_MAX)
        idx = [3]  # positions of the 16 element separators
        while len(idx) < 16:
            j = t.find(sep, idx[-1] + len(sep), limit)
            if j < 0:
                break
            idx.append(j)
        if len(idx) < 16 and len(t) < _ISA_MAX and not final:
            return False
        comp = term = ""
        isa_end = end = -1  # where the ISA text stops / just after its terminator
        if len(idx) == 16:
            ci = idx[15] + len(sep)
            if len(t) < ci + 12 and not final:
                return False
            comp, _ = _char_at(t, ci, utf8)
            if comp in ("\r", "\n"):  # ISA16 left empty, newline ends the ISA
                notes.append(("027", "ISA16 component separator missing", 16, ERROR))
                term, isa_end, end = comp, ci, ci + 1
            else:
                term, _ = _char_at(t, ci + len(comp), utf8)
                isa_end = ci + len(comp)
                end = isa_end + len(term)
        term_d, comp_d = _to_text(term, utf8), _to_text(comp, utf8)
        good_term = (not _bad_delimiter(term_d) and term != sep
                     and (term != comp or isa_end == idx[15] + len(sep)))
        good_comp = bool(comp) and not _bad_delimiter(comp_d) and comp != sep
        fatal = ""
        fatal_code = "004"
        strip_tail = ""
        if not (len(idx) == 16 and good_term):
            # short ISA: it ends at the first newline or '~'
            region = t[:limit]
            cands = [k for k in (region.find("\n"), region.find("~"))
                     if k > 3 and (len(idx) < 16 or k < idx[15])]
            if cands:
                k = min(cands)
                term, isa_end, end = t[k], k, k + 1
                comp = term
                have = t[:k].count(sep)
                notes.append((ISA_FIELD_NOTE.get(have + 1, "022"),
                              f"ISA has {have} elements before its terminator {t[k]!r}, "
                              "16 required", min(have + 1, 16), ERROR))
            elif len(t) < _ISA_MAX and not final:
                return False
            elif len(idx) < 16:
                truncated = final and len(t) < _ISA_MAX
                fatal = ("input ends inside the ISA segment" if truncated
                         else "ISA has fewer than 16 elements and no segment terminator")
                fatal_code = "023" if truncated else "022"
                isa_end = end = limit if not truncated else len(t)
            else:
                fatal = f"no valid segment terminator after ISA16 (found {term!r})"
                isa_end = end = idx[15] + len(sep) + len(comp)
        elif not good_comp:
            notes.append(("027", f"invalid component separator {comp!r}", 16, ERROR))
        elif term in ("\r", "\n") and comp != term:
            # the sender may end every line with ISA16 ('~' + newline): read the
            # newline as terminator and drop that trailing component separator
            nl = t.find("\n", end, end + _LOOKAHEAD)
            if nl < 0 and len(t) < end + _LOOKAHEAD and not final:
                return False
            line = t[end:nl if nl >= 0 else end + _LOOKAHEAD].strip(_WS)
            if line.endswith(comp) and sep in line:
                notes.append(("027", f"segments end with ISA16 {_to_text(comp, utf8)!r} before "
                                     "the newline terminator; trailing component separators "
                                     "ignored", 16, WARNING))
                strip_tail = comp
        isa_raw = t[:isa_end]
        if not fatal and term in isa_raw:
            k = isa_raw.find(term)
            field_no = min(isa_raw[:k].count(sep), 16)
            notes.append((ISA_FIELD_NOTE.get(field_no, "022"),
                          f"ISA{field_no:02d} contains the segment terminator {term!r}: "
                          "broken fixed-length header", field_no, ERROR))
        sep_text = _to_text(sep, utf8)
        elements = _to_text(isa_raw, utf8).split(sep_text)
        if len(elements) > 17:
            elements = elements[:16] + [sep_text.join(elements[16:])]
        elements += [""] * (17 - len(elements))
        elements[0] = "ISA"
        comp_text = _to_text(comp, utf8)
        if not elements[16] and comp and comp != term:
            elements[16] = comp_text
        term_text = _to_text(term, utf8) if term else ""
        suffix = ""
        if term != "\n" and not fatal:
            k = end
            while k < len(t) and t[k] in "\r\n" and len(suffix) < 2:
                suffix += t[k]
                k += 1
        if ebcdic:
            encoding = "cp037"
        else:
            head = t[:end]
            if head.isascii():
                encoding = "utf-8" if bom else "ascii"
            elif bom or _to_text(head, True) is not head:
                encoding = "utf-8"
            else:
                encoding = "latin-1"
        version = elements[12]
        rep = elements[11]
        usable_comp = comp_text if (comp and comp != term and good_comp) else term_text
        repetition = rep if (version >= "00501" and len(rep) == 1 and not _bad_delimiter(rep)
                             and rep not in (sep_text, term_text, usable_comp)) else None
        delims = Delimiters(element=sep_text, component=usable_comp or "~", repetition=repetition,
                            segment=term_text or "~", suffix=suffix)
        self._flush_garbage(out)
        self._isa13 = elements[13]
        self._interchanges += 1
        self._mode = _INTERCHANGE
        self._state = _IN_ISA
        self._pos = 0
        self._group_count = 0
        self._gs06 = None
        self._st01 = self._st02 = None
        self._stray = False
        self._discard = False
        self._utf8 = utf8
        out.append(InterchangeStart(
            offset=base, isa=_seg("ISA", elements, base, 0), delimiters=delims,
            control_number=elements[13], sender_qualifier=elements[5],
            sender_id=elements[6].strip(), receiver_qualifier=elements[7],
            receiver_id=elements[8].strip(), date=elements[9], time=elements[10],
            version=version, ack_requested=elements[14] == "1", usage=elements[15],
            encoding=encoding))
        for code, message, element, severity in notes:
            out.append(self._finding("TA105", code, message, base, severity=severity,
                                     segment_tag="ISA", element_position=element))
        if fatal:
            out.append(self._finding("TA105", fatal_code, fatal, base, segment_tag="ISA"))
            out.append(InterchangeEnd(offset=base, control_number=self._isa13, trailer=None,
                                      group_count=0))
            self._quiet = True
            self._leave(end)
            return True
        self._quiet = False
        self._bom = False
        self._es = sep
        self._es_text = sep_text
        self._term = term
        self._rstrip = ("\r" if term == "\n" else "") + strip_tail
        ok_chars = _SEEK_OK + (term if len(term) == 1 else "")
        if ebcdic:
            ok_chars += _EBCDIC_OK
        self._seek_ok = ok_chars
        self._buf = t[end:]
        self._base = base + end
        return True

    def _leave(self, cut: int) -> None:
        """Drop _buf[:cut] and return to latin-1 seeking."""
        cut = min(cut, len(self._buf))
        self._prev = self._buf[cut - 1] if cut > 0 else ""
        rest = self._buf[cut:]
        self._base += cut
        if self._codec == "cp037":
            rest = rest.encode("cp037").decode("latin-1")
            self._codec = "latin-1"
        self._buf = rest
        self._mode = _SEEK

    # ------------------------------------------------------ segment reading
    def _read(self, final: bool, out: list[Event]) -> bool:
        """Read segments of the open interchange.  True when it switched back
        to seeking (IEA or a new ISA) with input left to look at."""
        text = self._buf
        term = self._term
        tl = len(term)
        cur = 0
        if self._discard:
            j = text.find(term)
            if j < 0:
                keep = 0 if final else min(len(text), tl - 1)
                self._base += len(text) - keep
                self._buf = text[len(text) - keep:]
                return False
            cur = j + tl
            self._discard = False
        cur, stop = self._segments(text, cur, out)
        if stop:
            return True
        tail = text[cur:]
        head = tail.lstrip(_WS)
        if _isa_start(head):
            # a new interchange (maybe with other delimiters) before this one's IEA
            self._base += cur
            self._close_interchange(self._base + len(tail) - len(head), out)
            self._buf = tail
            self._leave(len(tail) - len(head))
            return True
        if final:
            if tail.strip(_WS):
                if term not in ("\r", "\n"):
                    s = tail.lstrip(_WS)
                    out.append(self._finding(
                        "TA105", "023", f"last segment has no terminator {self._delim_text()!r}",
                        self._base + cur + len(tail) - len(s), severity=WARNING))
                # the unterminated last segment, read as if it had its terminator
                cur, stop = self._segments(text + term, cur, out)
                if stop:
                    return True
            self._base += len(text)
            self._buf = ""
            return False
        if len(head) > self._maxlen:
            self._too_long(self._base + cur + len(tail) - len(head), out)
            self._discard = True
            keep = len(term) - 1  # the start of a multi-character terminator
            self._base += len(text) - keep
            self._buf = tail[len(tail) - keep:] if keep else ""
            return False
        if not head:  # whitespace only: nothing to keep
            self._base += len(text)
            self._buf = ""
            return False
        self._base += cur
        self._buf = tail
        return False

    def _segments(self, text: str, cur: int, out: list[Event]) -> tuple[int, bool]:
        """The hot loop: one Segment per terminated segment of text from index cur on.
        Returns (index in text after the segments read, whether reading stopped for
        IEA / a new ISA)."""
        base = self._base
        term = self._term
        tl = len(term)
        ws = _WS
        rs = self._rstrip
        es = self._es
        kinds = self._kinds
        maxlen = self._maxlen
        check = not text.isascii() or "\x00" in text
        pos = self._pos
        intx = self._state == _IN_ST
        append = out.append
        new = tuple.__new__
        fast = _body_segments
        shared = self._shared
        find = text.find
        while True:
            if intx and not check:
                # runs of plain body segments: translators/x12/_tokenize.py (or its C twin)
                cur, pos = fast(text, cur, base, term, rs, es, kinds, maxlen, pos, out, Segment,
                                shared)
            j = find(term, cur)
            if j < 0:
                break
            part = text[cur:j]
            n = len(part)
            s = part.lstrip(ws)
            m = len(s)
            off = base + cur + n - m
            cur = j + tl
            if rs:
                s = s.rstrip(rs)
            if not s:
                continue
            if m > maxlen and not _isa_start(s):
                self._pos = pos
                self._too_long(off, out)
                continue
            if check:
                self._pos = pos
                el = self._inspect(s, off, out)
                if not s.isascii():
                    self._tx_plain = False  # (an ST here starts a new set: _control resets it)
            else:
                el = s.split(es)
            tag = el[0]
            if intx and kinds.get(tag) == 0:
                pos += 1
                append(new(Segment, (tag, el, off, pos)))
                continue
            self._pos = pos
            action = self._control(kinds.get(tag), tag, el, off, out)
            if action:
                self._base = base
                self._leave(cur if action == _ENDED else off - base)
                return cur, True
            pos = self._pos
            intx = self._state == _IN_ST
        self._pos = pos
        return cur, False

    def _delim_text(self) -> str:
        return _to_text(self._term, self._utf8)

    def _too_long(self, off: int, out: list[Event]) -> None:
        out.append(self._finding("TA105", "024",
                                 f"segment longer than {self._maxlen} bytes (missing segment "
                                 "terminator?); skipped", off))

    def _inspect(self, s: str, off: int, out: list[Event]) -> list[str]:
        """Slow path for segments that are not plain ASCII: NUL check, UTF-8."""
        if "\x00" in s:
            out.append(self._finding("TA105", "024", "binary data (NUL byte) in segment", off,
                                     segment_tag=s.split(self._es, 1)[0][:3]))
        if self._utf8 and not s.isascii():
            text = _to_text(s, True)
            if text is not s:
                return text.split(self._es_text)
        return s.split(self._es)

    # -------------------------------------------------- structure handling
    def _control(self, k: Optional[int], tag: str, el: list[str], off: int,
                 out: list[Event]) -> int:
        """Handle every segment that is not a plain body segment inside a
        transaction.  Returns _GO, _ENDED (IEA read) or _RESTART (a new ISA
        starts at this segment)."""
        if k is None:
            if _TAG.fullmatch(tag):
                self._kinds[tag] = k = _BODY
            elif _isa_start(tag):
                # a new ISA with other delimiters before this interchange's IEA
                self._close_interchange(off, out)
                return _RESTART
            else:
                k = -1
        state = self._state
        if k == _BODY or k == -1:
            if state == _IN_ST:
                self._pos += 1
                if k == -1:
                    out.append(self._finding("AK304", "1", f"unrecognized segment ID {tag[:20]!r}",
                                             off, segment_tag=tag[:20], segment_position=self._pos))
                out.append(_seg(tag, el, off, self._pos))
                return _GO
            self._stray_segment(tag, el, off, out)
            return _GO
        if k == _ST:
            if state == _IN_ST:
                self._close_transaction(off, None, out)
            elif state == _IN_ISA:
                self._stray_segment(tag, el, off, out)
                return _GO
            self._stray = False
            self._st01 = el[1] if len(el) > 1 else ""
            self._st02 = el[2] if len(el) > 2 else ""
            self._state = _IN_ST
            self._pos = 1
            self._tx_count += 1
            self._tx_plain = True
            version = el[3] if len(el) > 3 and el[3] else self._gs08
            out.append(TransactionStart(offset=off, st=_seg(tag, el, off, 1),
                                        set_id=self._st01, control_number=self._st02,
                                        version=version))
            return _GO
        if k == _SE:
            if state != _IN_ST:
                self._stray_segment(tag, el, off, out)
                return _GO
            self._close_transaction(off, _seg(tag, el, off, self._pos + 1), out)
            return _GO
        if k == _GS:
            if state == _IN_ST:
                self._close_transaction(off, None, out)
            if self._state == _IN_GS:
                self._close_group(off, None, out)
            self._stray = False
            self._gs06 = el[6] if len(el) > 6 else ""
            self._gs08 = el[8] if len(el) > 8 else ""
            self._state = _IN_GS
            self._tx_count = 0
            self._group_count += 1
            out.append(GroupStart(offset=off, gs=_seg(tag, el, off, 0),
                                  functional_id=el[1] if len(el) > 1 else "",
                                  sender=el[2] if len(el) > 2 else "",
                                  receiver=el[3] if len(el) > 3 else "",
                                  control_number=self._gs06, version=self._gs08))
            return _GO
        if k == _GE:
            if state == _IN_ISA:
                self._stray_segment(tag, el, off, out)
                return _GO
            if state == _IN_ST:
                self._close_transaction(off, None, out)
            self._close_group(off, _seg(tag, el, off, 0), out)
            return _GO
        if k == _IEA:
            self._close_interchange(off, out, _seg(tag, el, off, 0))
            return _ENDED
        if k == _ISA:
            self._close_interchange(off, out)
            return _RESTART
        # _LEVEL: TA1, ISB, ISE, ISX belong between ISA and GS
        if state == _IN_ISA:
            out.append(_seg(tag, el, off, 0))
            return _GO
        if state == _IN_ST:
            self._pos += 1
            out.append(_seg(tag, el, off, self._pos))
            return _GO
        self._stray_segment(tag, el, off, out)
        return _GO

    def _stray_segment(self, tag: str, el: list[str], off: int, out: list[Event]) -> None:
        if not self._stray:
            self._stray = True
            where = {_IN_ISA: "outside a functional group (GS)",
                     _IN_GS: "outside a transaction set (ST)"}[self._state]
            out.append(self._finding("TA105", "024", f"segment {tag[:20]!r} {where}", off,
                                     segment_tag=tag[:20]))
        out.append(_seg(tag, el, off, 0))

    def _close_transaction(self, off: int, trailer: Optional[Segment], out: list[Event]) -> None:
        count = self._pos + 1 if trailer is not None else self._pos
        out.append(TransactionEnd(offset=off, set_id=self._st01 or "",
                                  control_number=self._st02 or "", trailer=trailer,
                                  segment_count=count, plain=self._tx_plain))
        self._tx_plain = False
        self._state = _IN_GS
        self._pos = 0
        self._st01 = self._st02 = None

    def _close_group(self, off: int, trailer: Optional[Segment], out: list[Event]) -> None:
        out.append(GroupEnd(offset=off, control_number=self._gs06 or "", trailer=trailer,
                            transaction_count=self._tx_count))
        self._state = _IN_ISA
        self._gs06 = None
        self._tx_count = 0

    def _close_interchange(self, off: int, out: list[Event],
                           trailer: Optional[Segment] = None) -> None:
        if self._state == _IN_ST:
            self._close_transaction(off, None, out)
        if self._state == _IN_GS:
            self._close_group(off, None, out)
        out.append(InterchangeEnd(offset=off, control_number=self._isa13, trailer=trailer,
                                  group_count=self._group_count))
        self._mode = _SEEK
        self._stray = False


_PRINTABLE_DELETE: Final = {c: None for c in range(0x20, 0x7f)}
_PRINTABLE_DELETE.update({ord(c): None for c in "\t\r\n\x0b\x0c\x1a"})
_PRINTABLE_DELETE.update({c: None for c in range(0xa0, 0x100)})


def iter_batches(source: Union[bytes, bytearray, memoryview, BinaryIO, Iterable[bytes]],
                 chunk_size: int = 1 << 16) -> Iterator[list[Event]]:
    """The events of an X12 byte source as lists, one per block read (in chunks
    of chunk_size) and one for the end of input; some lists may be empty.  The lists
    and the events are out of the cyclic collector's care (where the C extension is
    built): read them, or copy them, but put nothing into them."""
    reader = X12Reader()
    if isinstance(source, (bytes, bytearray, memoryview)):
        view = memoryview(source)
        for start in range(0, len(view), chunk_size):
            yield reader.feed(view[start:start + chunk_size])
    elif hasattr(source, "read"):
        read = source.read  # type: ignore[union-attr]
        while True:
            block = read(chunk_size)
            if not block:
                break
            yield reader.feed(block)
    else:
        for block in source:  # type: ignore[union-attr]
            yield reader.feed(block)
    yield reader.close()


def iter_events(source: Union[bytes, bytearray, memoryview, BinaryIO, Iterable[bytes]],
                chunk_size: int = 1 << 16) -> Iterator[Event]:
    """Events of an X12 byte source read in chunks of chunk_size (flattened
    ``iter_batches``: no generator frame is entered per event)."""
    return chain.from_iterable(iter_batches(source, chunk_size))
