"""X12 acknowledgments (TA1, 997, 999) built as a fold over the event stream.

The reader (translators.x12.reader) emits envelope and segment events; the
envelope and schema validators insert ``Finding`` events named by the
acknowledgment field they fill (``TA105``, ``AK905``, ``AK502``, ``AK304``,
``AK403``) carrying 997 code values.  ``AckBuilder`` folds that stream into
acknowledgments, one interchange at a time, keeping per interchange only one
small record per functional group, transaction set and finding (nothing per
segment besides a tag -> last position table used for 999 CTX).

Placement of findings: a finding may come before or after the event it
concerns (e.g. a GE01 count finding right after ``GroupEnd``).  Findings are
attributed by the control numbers in their ``Position`` (falling back on the
innermost open envelope), and an interchange is finalized only when the next
non-finding event arrives after its ``InterchangeEnd`` (or at ``close()``), so
trailing findings still count.

Policies:

* 997 answers 004010 (and older or unknown) groups, 999 answers 005010 and
  later; ``ack_type`` forces one of them.  A 997 carries the base version of
  the group it answers (GS08 ``004010`` or ``005010``, so suffixes such as
  ``004010VICS`` become ``004010``); a 999 is always ``005010X231A1`` (GS08
  and ST03).
* Functional acknowledgments are not acknowledged: groups with GS01 ``FA``
  get no AK1 (an interchange holding only such groups gets no 997/999).
* A transaction set is rejected (R) when any error finding concerns it, else
  accepted (A).  The group is R when it has a group-level error or every
  received set is R, P when some (not all) sets are R, else A.  Warnings
  (values outside partial code lists, readable field habits) stay in the
  gateway's report and do not appear in 997/999: E would tell the partner
  about errors that are none.
* TA1 is produced when the interchange has TA105 errors (R, TA105 the first
  error's code) or when ISA14 = 1 (E with the first warning's code when only
  warnings were noted, A with 000 when clean).  Warnings alone never cause an
  unrequested TA1.  A rejected interchange (TA1 R)
  gets no 997/999: its content is not processed.
* An ack goes back from the receiver to the sender: ISA05/06 and ISA07/08
  swapped (``our_id``/``our_qualifier`` override ours; ``partner_id``/
  ``partner_qualifier`` supply the partner when the ISA could not be read),
  GS02/GS03 swapped, same delimiters as the inbound interchange unless
  ``delimiters`` is given.  When nothing can address an ack an ``AckResult``
  of kind ``none`` says why.
* Values copied from the input (AK404/IK404, control numbers, tags) are made
  safe: delimiters, control characters and characters outside the X12
  extended character set are dropped, trailing spaces removed, lengths capped
  at the element's maximum (99 for AK404/IK404).

Code tables: 997 lists from the 004010/005010 element dictionary (DE 716
AK905, 718 AK502, 720 AK304, 723 AK403); 999 lists from 005010X231A1 (DE 620
IK304, 621 IK403, 618 IK502, incl. the I-codes; the same lists appear in
pyx12's ``999.5010X231.A1.xml`` map, which also validates our output in the
tests, and on public element pages such as stedi.com/edi/x12-005010/element/621).
AK304 -> IK304 and AK403 -> IK403 are the identity for 1-8 / 1-10, 12, 13
(``IK304_FROM_AK304``, ``IK403_FROM_AK403``); a code not valid in the target
acknowledgment is mapped to its nearest standard code (``*_DOWN`` tables: an
I-code in a 997, 12/13 in a 004010 997) or dropped with a note in
``AckResult.notes``.
"""
from __future__ import annotations

import datetime as _dt
import re
from dataclasses import dataclass
from typing import Iterable, Iterator, Optional, Sequence

from translators.findings import ERROR, EDIError, Finding, Position
from translators.x12.events import (
    Delimiters, Event, GroupEnd, GroupStart, InterchangeEnd, InterchangeStart, Segment,
    TransactionEnd, TransactionStart,
)
from translators.x12.serialize import (
    ControlNumbers, Envelope, FunctionalGroup, TransactionSet, render_interchange, render_segment,
)

__all__ = [
    "AckBuilder", "AckResult", "acknowledge", "IK304_FROM_AK304", "IK403_FROM_AK403",
    "safe_value",
]

X231 = "005010X231A1"

# --------------------------------------------------------------------------- code tables

_N = lambda *ranges: frozenset(str(i) for r in ranges for i in r)  # noqa: E731

#: AK304 / IK304 (DE 720) valid per acknowledgment profile.
_SEG_STD = _N(range(1, 9))
SEGMENT_CODES = {
    ("997", "004010"): _SEG_STD,
    ("997", "005010"): _SEG_STD,
    ("999", "005010"): _SEG_STD | {"I4", "I6", "I7", "I8", "I9"},
}
#: 999 IK304 I-codes (X231A1) -> nearest 997 AK304 code.
SEGMENT_DOWN = {
    "I4": "2",  # implementation "not used" segment present -> unexpected segment
    "I6": "3",  # implementation dependent segment missing -> mandatory segment missing
    "I7": "3",  # implementation loop occurs under minimum times
    "I8": "3",  # implementation segment below minimum use
    "I9": "2",  # implementation dependent "not used" segment present
}
#: AK304 (997) -> IK304 (999): identical for 1-8; I-codes pass through.
IK304_FROM_AK304 = {c: c for c in SEGMENT_CODES[("999", "005010")]}

#: AK403 / IK403 (DE 723): 004010 has 1-10; 005010 adds 12 (too many
#: repetitions) and 13 (too many components); X231A1 adds I-codes.
_EL_4010 = _N(range(1, 11))
ELEMENT_CODES = {
    ("997", "004010"): _EL_4010,
    ("997", "005010"): _EL_4010 | {"12", "13"},
    ("999", "005010"): _EL_4010 | {"12", "13", "I6", "I9", "I10", "I11", "I12", "I13"},
}
ELEMENT_DOWN = {
    "12": "3",  # too many repetitions (no repetitions in 004010) -> too many data elements
    "13": "3",  # too many components -> too many data elements
    "I6": "7",  # code value not used in implementation -> invalid code value
    "I9": "2",  # implementation dependent data element missing -> conditional required missing
    "I10": "10",  # implementation "not used" data element present -> exclusion violated
    "I11": "2",  # implementation too few repetitions
    "I12": "6",  # implementation pattern match failure -> invalid character
    "I13": "10",  # implementation dependent "not used" data element present
}
IK403_FROM_AK403 = {c: c for c in ELEMENT_CODES[("999", "005010")]}

#: AK502 / IK502 (DE 718): 18 and 19 exist from 005010; I5/I6 in X231A1.
_SET_4010 = _N(range(1, 14), range(15, 18), range(23, 28))
SET_CODES = {
    ("997", "004010"): _SET_4010,
    ("997", "005010"): _SET_4010 | {"18", "19"},
    ("999", "005010"): _SET_4010 | {"18", "19", "I5", "I6"},
}
SET_DOWN = {"I5": "5", "I6": "1"}

#: AK905 (DE 716): 1 not supported, 2 version not supported, 3 trailer
#: missing, 4 GS06/GE02 mismatch, 5 GE01 count wrong, 6 GS06 syntax, 10-18
#: security; 005010 adds 19 (group control number not unique).  004010's own
#: 19-22 (S1S/S2S security segments) are never produced here.
_GROUP_4010 = _N(range(1, 7), range(10, 19), range(23, 27))
GROUP_CODES = {
    ("997", "004010"): _GROUP_4010,
    ("997", "005010"): _GROUP_4010 | {"19"},
    ("999", "005010"): _GROUP_4010 | {"19"},
}

_TA105 = re.compile(r"\d{3}")
_DIGITS = re.compile(r"\d+")
_DATE6 = re.compile(r"\d{6}")
_TIME4 = re.compile(r"\d{4}")
# X12 extended character set (basic + lower case and specials); 005010 adds ^ and `.
_NOT_EXT_4010 = re.compile(r"""[^A-Za-z0-9!"&'()*+,\-./:;?= %~@\[\]_{}\\|<>#$]""")
_NOT_EXT_5010 = re.compile(r"""[^A-Za-z0-9!"&'()*+,\-./:;?= %~@\[\]_{}\\|<>#$^`]""")


def safe_value(value: Optional[str], d: Delimiters, max_len: int = 99,
               version: str = "005010") -> str:
    """A copy of input data that can be written back: delimiters, control and
    non-X12 characters dropped, trailing spaces removed, at most ``max_len``."""
    if not value:
        return ""
    bad = _NOT_EXT_5010 if version >= "005010" else _NOT_EXT_4010
    text = bad.sub("", value)
    for ch in (d.element, d.component, d.repetition, d.segment):
        if ch and ch in text:
            text = text.replace(ch, "")
    return text[:max_len].rstrip()


# --------------------------------------------------------------------------- result

@dataclass(frozen=True, slots=True)
class AckResult:
    kind: str  # TA1 | 997 | 999 | none
    interchange_control_number: Optional[str]  # inbound ISA13 this answers
    status: str  # A | E | P | R ('' for none)
    text: str  # rendered X12 interchange ('' for none)
    ack_control_number: Optional[str] = None  # ISA13 of the acknowledgment
    groups: tuple[tuple[str, str], ...] = ()  # (inbound GS06, AK901) per group answered
    ta1_status: Optional[str] = None  # TA104 when a TA1 rides in this interchange
    reason: str = ""  # why no ack could be addressed (kind none)
    notes: tuple[str, ...] = ()  # findings that could not be expressed

    def encode(self) -> bytes:
        try:
            return self.text.encode("ascii")
        except UnicodeEncodeError:
            return self.text.encode("utf-8")


# --------------------------------------------------------------------------- records

class _SegNote:
    __slots__ = ("tag", "position", "loop_id", "codes", "elements", "ctx", "order")

    def __init__(self, tag: str, position: int, loop_id: Optional[str], order: int) -> None:
        self.tag = tag
        self.position = position
        self.loop_id = loop_id
        self.codes: list[str] = []
        self.elements: list[tuple[Position, str]] = []
        self.ctx: Optional[tuple[str, int, Optional[str]]] = None
        self.order = order


class _Tx:
    __slots__ = ("set_id", "control_number", "icr", "codes", "segments", "errors",
                 "warnings", "segment_count")

    def __init__(self, set_id: str, control_number: str, icr: Optional[str]) -> None:
        self.set_id = set_id
        self.control_number = control_number
        self.icr = icr
        self.codes: list[str] = []
        self.segments: dict[tuple[int, str], _SegNote] = {}
        self.errors = False
        self.warnings = False
        self.segment_count = 0


class _Group:
    __slots__ = ("functional_id", "control_number", "version", "sender", "receiver",
                 "codes", "transactions", "by_number", "included", "errors", "warnings")

    def __init__(self, gs: Optional[GroupStart]) -> None:
        self.functional_id = gs.functional_id if gs else ""
        self.control_number = gs.control_number if gs else ""
        self.version = gs.version if gs else ""
        self.sender = gs.sender if gs else ""
        self.receiver = gs.receiver if gs else ""
        self.codes: list[str] = []
        self.transactions: list[_Tx] = []
        self.by_number: dict[str, _Tx] = {}
        self.included: Optional[int] = None
        self.errors = False
        self.warnings = False


class _Interchange:
    __slots__ = ("start", "control_number", "ta105", "groups", "by_number", "notes",
                 "unresolved")

    def __init__(self, start: Optional[InterchangeStart], control_number: Optional[str]) -> None:
        self.start = start
        self.control_number = control_number
        self.ta105: list[Finding] = []
        self.groups: list[_Group] = []
        self.by_number: dict[str, _Group] = {}
        self.notes: list[str] = []
        self.unresolved: list[Finding] = []  # named a group/set not seen yet


# --------------------------------------------------------------------------- builder

class AckBuilder:
    """Fold X12 events (with findings) into TA1/997/999 acknowledgments.

    ``feed`` every event, collect finished acknowledgments with ``take()``
    (an interchange's acknowledgments become available once its
    ``InterchangeEnd`` and any findings right after it have been fed), and call
    ``close()`` at the end of the stream.
    """

    def __init__(self, *, counter: ControlNumbers, ack_type: Optional[str] = None,
                 our_id: Optional[str] = None, our_qualifier: Optional[str] = None,
                 partner_id: Optional[str] = None, partner_qualifier: Optional[str] = None,
                 partner_key: Optional[str] = None, now: Optional[_dt.datetime] = None,
                 include_accepted_sets: bool = True, ta1_with_ack: bool = False,
                 delimiters: Optional[Delimiters] = None) -> None:
        if ack_type not in (None, "997", "999"):
            raise EDIError(f"ack_type must be '997', '999' or None, not {ack_type!r}")
        self._counter = counter
        self._ack_type = ack_type
        self._our_id = our_id
        self._our_qualifier = our_qualifier
        self._partner_id = partner_id
        self._partner_qualifier = partner_qualifier
        self._partner_key = partner_key
        self._now = now
        self._include_accepted = include_accepted_sets
        self._ta1_with_ack = ta1_with_ack
        self._delimiters = delimiters
        self._ic: Optional[_Interchange] = None  # open interchange
        self._pending: Optional[_Interchange] = None  # ended, waiting for trailing findings
        self._group: Optional[_Group] = None
        self._tx: Optional[_Tx] = None
        self._tags: dict[str, int] = {}  # segment tag -> last position in the open set
        self._out: list[AckResult] = []
        self._order = 0
        self._retrying = False

    # ----------------------------------------------------------------- feeding

    def feed(self, event: Event) -> None:
        if type(event) is Segment:
            self._tags[event.tag] = event.position
            return
        if isinstance(event, Finding):
            self._finding(event)
            return
        pending = self._pending
        if pending is not None:
            self._pending = None
            if (isinstance(event, InterchangeStart) and self._ic is None
                    and pending.start is None and not pending.groups
                    and pending.control_number == event.control_number):
                # findings placed before the ISA they concern
                ic = _Interchange(event, event.control_number)
                ic.ta105 = pending.ta105
                ic.notes = pending.notes
                ic.unresolved = pending.unresolved
                self._ic = ic
                return
            self._finalize(pending)
        if isinstance(event, TransactionStart):
            self._close_tx()
            group = self._group
            st = event.st.elements
            icr = st[3] if len(st) > 3 and st[3] else None
            tx = _Tx(event.set_id, event.control_number, icr)
            self._tags = {}
            self._tx = tx
            if group is None:
                self._interchange().notes.append(
                    f"transaction set {event.control_number!r} outside a functional group")
                return
            group.transactions.append(tx)
            group.by_number[event.control_number] = tx
        elif isinstance(event, TransactionEnd):
            if self._tx is not None:
                self._tx.segment_count = event.segment_count
            self._tx = None
        elif isinstance(event, GroupStart):
            self._close_group()
            ic = self._interchange()
            group = _Group(event)
            ic.groups.append(group)
            ic.by_number[event.control_number] = group
            self._group = group
        elif isinstance(event, GroupEnd):
            self._close_tx()
            group = self._group
            if group is not None:
                trailer = event.trailer
                if trailer is not None and len(trailer.elements) > 1:
                    ge01 = trailer.elements[1].strip()
                    if ge01.isdigit() and len(ge01) <= 6:
                        group.included = int(ge01)
            self._group = None
        elif isinstance(event, InterchangeStart):
            if self._ic is not None:
                self._end_interchange()
                self._finalize(self._pending)  # type: ignore[arg-type]
                self._pending = None
            self._ic = _Interchange(event, event.control_number)
        elif isinstance(event, InterchangeEnd):
            if self._ic is None:
                self._ic = _Interchange(None, event.control_number)
            self._end_interchange()

    @property
    def ready(self) -> bool:
        """True when ``take`` has acknowledgments to return."""
        return bool(self._out)

    def take(self) -> list[AckResult]:
        """Acknowledgments finished since the last call."""
        out, self._out = self._out, []
        return out

    def close(self) -> list[AckResult]:
        """End of stream: finish whatever is open and return what is left."""
        if self._pending is not None:
            self._finalize(self._pending)
            self._pending = None
        if self._ic is not None:
            self._end_interchange()
            self._finalize(self._pending)  # type: ignore[arg-type]
            self._pending = None
        return self.take()

    # ----------------------------------------------------------------- envelope state

    def _interchange(self) -> _Interchange:
        if self._ic is None:
            if self._pending is not None:
                return self._pending
            self._ic = _Interchange(None, None)
        return self._ic

    def _close_tx(self) -> None:
        self._tx = None

    def _close_group(self) -> None:
        self._tx = None
        self._group = None

    def _end_interchange(self) -> None:
        self._close_group()
        self._pending = self._ic
        self._ic = None

    # ----------------------------------------------------------------- findings

    def _finding(self, f: Finding) -> None:
        pos = f.position
        ic = self._ic
        if ic is None:
            pending = self._pending
            if pending is not None and (
                    pos.interchange == pending.control_number
                    or (pos.interchange is None
                        and (pos.group is not None or pos.transaction is not None))):
                # trailing findings of the interchange that just ended (or
                # more findings for the same unreadable data)
                ic = pending
            else:
                if pending is not None:
                    self._finalize(pending)
                    self._pending = None
                # a finding outside any interchange (unreadable ISA): keep it
                # until the next envelope event so a TA1 can still be built
                ic = _Interchange(None, pos.interchange)
                self._pending = ic
        if ic.control_number is None and pos.interchange:
            ic.control_number = pos.interchange
        fld = f.field
        is_error = f.severity == ERROR
        if fld == "TA105":
            ic.ta105.append(f)
            return
        if not is_error:
            # Warnings (a value outside a partial code list, a field habit we can
            # read) are for the operator's report: telling the partner "accepted
            # with errors" for something that is not an error would mislead.
            return
        if fld == "AK905":
            group = self._find_group(ic, pos)
            if group is None:
                self._unresolved(ic, f, "functional group")
                return
            if f.code not in group.codes:
                group.codes.append(f.code)
            if is_error:
                group.errors = True
            else:
                group.warnings = True
            return
        if fld not in ("AK502", "AK304", "AK403"):
            ic.notes.append(f"not an X12 acknowledgment field: {f.describe()}")
            return
        tx = self._find_tx(ic, pos)
        if tx is None:
            self._unresolved(ic, f, "transaction set")
            return
        if is_error:
            tx.errors = True
        else:
            tx.warnings = True
        if fld == "AK502":
            if f.code not in tx.codes:
                tx.codes.append(f.code)
            return
        tag = pos.segment_tag
        if not tag:
            ic.notes.append(f"no segment tag for {f.describe()}")
            return
        seg_pos = pos.segment_position
        if seg_pos is None:
            seg_pos = (max(self._tags.values(), default=1) if tx is self._tx
                       else max(tx.segment_count, 1))
        key = (seg_pos, tag)
        note = tx.segments.get(key)
        if note is None:
            self._order += 1
            note = _SegNote(tag, seg_pos, pos.loop_id, self._order)
            tx.segments[key] = note
        loop_id = pos.loop_id
        if note.loop_id is None and loop_id:
            note.loop_id = loop_id
        if (note.ctx is None and loop_id and loop_id != tag and tx is self._tx):
            start = self._tags.get(loop_id)
            if start is not None and 0 < start < seg_pos <= 999_999:
                note.ctx = (loop_id, start, loop_id)
        if fld == "AK304":
            if f.code not in note.codes:
                note.codes.append(f.code)
        else:
            note.elements.append((pos, f.code))

    def _unresolved(self, ic: _Interchange, f: Finding, what: str) -> None:
        named = f.position.group if f.field == "AK905" else f.position.transaction
        if self._retrying or named is None:
            ic.notes.append(f"no {what} for {f.describe()}")
        else:
            ic.unresolved.append(f)

    def _find_group(self, ic: _Interchange, pos: Position) -> Optional[_Group]:
        num = pos.group
        current = self._group if ic is self._ic else None
        if current is not None and (num is None or num == current.control_number):
            return current
        if num is not None:
            return ic.by_number.get(num)
        return ic.groups[-1] if ic.groups else None

    def _find_tx(self, ic: _Interchange, pos: Position) -> Optional[_Tx]:
        num = pos.transaction
        tx = self._tx if ic is self._ic else None
        if tx is not None and (num is None or num == tx.control_number):
            return tx
        group = self._find_group(ic, pos)
        if group is None:
            return None
        if num is not None:
            return group.by_number.get(num)
        return group.transactions[-1] if group.transactions else None

    # ----------------------------------------------------------------- building

    def _finalize(self, ic: _Interchange) -> None:
        if ic.unresolved:
            # findings that came before the GS/ST they name: every group and
            # set of the interchange is known now
            saved = (self._ic, self._pending, self._group, self._tx)
            self._ic, self._pending, self._group, self._tx = ic, None, None, None
            self._retrying = True
            try:
                for f in ic.unresolved:
                    self._finding(f)
            finally:
                self._retrying = False
                self._ic, self._pending, self._group, self._tx = saved
            ic.unresolved = []
        self._out.extend(_InterchangeAck(self, ic).build())


def acknowledge(events: Iterable[Event], *, counter: ControlNumbers,
                ack_type: Optional[str] = None, our_id: Optional[str] = None,
                our_qualifier: Optional[str] = None, partner_id: Optional[str] = None,
                partner_qualifier: Optional[str] = None, partner_key: Optional[str] = None,
                now: Optional[_dt.datetime] = None, include_accepted_sets: bool = True,
                ta1_with_ack: bool = False,
                delimiters: Optional[Delimiters] = None) -> Iterator[AckResult]:
    """Yield the acknowledgments of every interchange in ``events``, in order,
    each as soon as its interchange (and the findings after it) has been read."""
    builder = AckBuilder(counter=counter, ack_type=ack_type, our_id=our_id,
                         our_qualifier=our_qualifier, partner_id=partner_id,
                         partner_qualifier=partner_qualifier, partner_key=partner_key,
                         now=now, include_accepted_sets=include_accepted_sets,
                         ta1_with_ack=ta1_with_ack, delimiters=delimiters)
    feed = builder.feed
    for event in events:
        feed(event)
        if builder._out:
            yield from builder.take()
    yield from builder.close()


# --------------------------------------------------------------------------- rendering

def _worst(statuses: Sequence[str]) -> str:
    if not statuses:
        return "A"
    uniq = set(statuses)
    if len(uniq) == 1:
        return statuses[0]
    if "R" in uniq or "P" in uniq:
        return "P"
    return "E"


class _InterchangeAck:
    """Renders the acknowledgments of one finished interchange."""

    def __init__(self, b: AckBuilder, ic: _Interchange) -> None:
        self.b = b
        self.ic = ic
        self.notes: list[str] = list(ic.notes)
        start = ic.start
        self.now = b._now or _dt.datetime.now()
        d = b._delimiters or (start.delimiters if start else None) or Delimiters("*", ":", None, "~", "\n")
        if not _usable(d):
            self.notes.append(f"inbound delimiters {d!r} cannot be used for the reply; "
                              "using * : ^ ~")
            d = Delimiters("*", ":", "^", "~", d.suffix if d.suffix in ("", "\n", "\r\n") else "")
        if not d.repetition:
            # needed by a 00501 ack of a 00401 interchange; 00401 writes 'U' anyway
            used = {d.element, d.component, d.segment}
            d = Delimiters(d.element, d.component, next(c for c in "^|!{}" if c not in used),
                           d.segment, d.suffix)
        self.d = d

    # addressing ---------------------------------------------------------

    def _address(self) -> tuple[Optional[tuple[str, str, str, str]], str]:
        """(our qualifier, our id, partner qualifier, partner id) or a reason."""
        start = self.ic.start
        b = self.b
        pq = b._partner_qualifier
        pid = b._partner_id
        oq = b._our_qualifier
        oid = b._our_id
        if start is not None:
            pq = pq or start.sender_qualifier.strip()
            pid = pid or start.sender_id.strip()
            oq = oq or start.receiver_qualifier.strip()
            oid = oid or start.receiver_id.strip()
        for label, value, width in (("partner qualifier (ISA05)", pq, 2),
                                    ("partner id (ISA06)", pid, 15),
                                    ("our qualifier (ISA07)", oq, 2),
                                    ("our id (ISA08)", oid, 15)):
            if not value:
                return None, f"{label} unknown: no usable ISA and no override"
            if len(value) > width or safe_value(value, self.d, width) != value:
                return None, f"{label} {value!r} cannot be written back in an ISA"
        return (oq, oid, pq, pid), ""  # type: ignore[return-value]

    def _envelope(self, addr: tuple[str, str, str, str], version: str,
                  gs_sender: Optional[str] = None, gs_receiver: Optional[str] = None) -> Envelope:
        oq, oid, pq, pid = addr
        d = self.d
        start = self.ic.start
        usage = start.usage if start is not None and start.usage in ("P", "T", "I") else "P"
        key = self.b._partner_key if self.b._partner_key is not None else pid
        return Envelope(sender_id=oid, receiver_id=pid, sender_qualifier=oq,
                        receiver_qualifier=pq, application_sender=gs_sender or oid,
                        application_receiver=gs_receiver or pid, version=version,
                        delimiters=d, usage=usage, partner_key=key)

    # TA1 ----------------------------------------------------------------

    def _ta1(self) -> Optional[tuple[str, str]]:
        """(TA104, TA105) when a TA1 is due."""
        errors = [f for f in self.ic.ta105 if f.severity == ERROR]
        warnings = [f for f in self.ic.ta105 if f.severity != ERROR]
        start = self.ic.start
        requested = start is not None and start.ack_requested
        if errors:
            status, chosen = "R", errors
        elif not requested:
            return None  # warnings alone do not warrant an unrequested TA1
        elif warnings:
            status, chosen = "E", warnings
        else:
            return "A", "000"
        for f in chosen:
            code = f.code.strip()
            if code.isdigit() and len(code) <= 3:
                return status, code.zfill(3)
            self.notes.append(f"TA105 code {f.code!r} is not a 3-digit note code")
        return status, ("024" if status == "R" else "000")

    def _ta1_segment(self, status: str, code: str) -> Optional[str]:
        ctrl = (self.ic.control_number or "").strip()
        if not ctrl.isdigit() or len(ctrl) > 9:
            return None
        start = self.ic.start
        date = start.date.strip() if start else ""
        time = start.time.strip() if start else ""
        # TA102/TA103 echo ISA09/ISA10; an unreadable or impossible value
        # cannot be echoed in a valid TA1, so today's date/time stand in
        if not _valid_stamp(date, "%y%m%d", _DATE6):
            if start is not None:
                self.notes.append(f"ISA09 {date!r} is not a date; TA102 is today's date")
            date = self.now.strftime("%y%m%d")
        if not _valid_stamp(time, "%H%M", _TIME4):
            if start is not None:
                self.notes.append(f"ISA10 {time!r} is not a time; TA103 is the current time")
            time = self.now.strftime("%H%M")
        return render_segment(["TA1", ctrl.zfill(9), date, time, status, code], self.d)

    def _isa_version(self) -> str:
        start = self.ic.start
        v = start.version.strip() if start else ""
        return "005010" if v.startswith("005") else "004010"

    # 997 / 999 ------------------------------------------------------------

    def _kind(self, group: _Group) -> tuple[str, str]:
        """(ack kind, ack base version) for a group."""
        base = group.version.strip()[:6]
        kind = self.b._ack_type or ("999" if base >= "005010" and base.isdigit() else "997")
        if kind == "999":
            return "999", "005010"
        return "997", ("005010" if base >= "005010" and base.isdigit() else "004010")

    def _map(self, code: str, valid: frozenset, down: dict, what: str) -> Optional[str]:
        code = code.strip()
        if code in valid:
            return code
        mapped = down.get(code)
        if mapped is not None and mapped in valid:
            return mapped
        self.notes.append(f"{what} code {code!r} cannot be expressed; dropped")
        return None

    def _codes(self, codes: Sequence[str], valid: frozenset, down: dict, what: str) -> list[str]:
        out: list[str] = []
        for c in codes:
            m = self._map(c, valid, down, what)
            if m is not None and m not in out:
                out.append(m)
        return out

    def _set_segments(self, tx: _Tx, kind: str, version: str) -> tuple[list[list], str]:
        d = self.d
        prof = (kind, version)
        status = "R" if tx.errors else ("E" if tx.warnings else "A")
        ak2: list = ["AK2", safe_value(tx.set_id, d, 3, version),
                     safe_value(tx.control_number, d, 9, version)]
        if version >= "005010" and tx.icr:
            ak2.append(safe_value(tx.icr, d, 35, version))
        out: list[list] = [ak2]
        seg_codes, el_codes = SEGMENT_CODES[prof], ELEMENT_CODES[prof]
        k3, k4 = ("IK3", "IK4") if kind == "999" else ("AK3", "AK4")
        any_std = False
        any_impl = False
        for note in sorted(tx.segments.values(), key=lambda n: (n.position, n.order)):
            codes = self._codes(note.codes, seg_codes, SEGMENT_DOWN, k3 + "04")
            tag = safe_value(note.tag, d, 3, version)
            if len(tag) < 2:
                self.notes.append(f"segment ID {note.tag!r} cannot be written in {k3}01")
                any_std = True
                continue
            if not 0 < note.position <= 999_999:
                self.notes.append(f"segment position {note.position} cannot be written in "
                                  f"{k3}02 ({note.tag})")
                any_std = True
                continue
            pos = str(note.position)
            loop = note.loop_id if note.loop_id and len(note.loop_id) <= 4 else ""
            loop = safe_value(loop, d, 4, version)
            elements = []
            for p, code in note.elements[:99]:
                m = self._map(code, el_codes, ELEMENT_DOWN, k4 + "03")
                if m is None or p.element_position is None or not 0 < p.element_position < 100:
                    continue
                c030: list[str] = [str(p.element_position)]
                if p.component_position is not None and 0 < p.component_position < 100:
                    c030.append(str(p.component_position))
                if version >= "005010" and p.repetition is not None and 0 < p.repetition < 10000:
                    if len(c030) == 1:
                        c030.append("")
                    c030.append(str(p.repetition))
                ref = p.element_reference or ""
                ref = ref if _DIGITS.fullmatch(ref) and len(ref) <= 4 else ""
                bad = safe_value(p.bad_value, d, 99, version)
                elements.append([k4, tuple(c030), ref, m, bad])
                if m.startswith("I"):
                    any_impl = True
                else:
                    any_std = True
            for c in codes:
                if c.startswith("I"):
                    any_impl = True
                else:
                    any_std = True
            lines: list[list] = []
            if note.elements:
                lines.append([k3, tag, pos, loop, "8"])
                if kind == "999" and note.ctx is not None:
                    lines.append(self._ctx(note.ctx, version))
                lines.extend(elements)
                codes = [c for c in codes if c != "8"]
                for c in codes:
                    lines.append([k3, tag, pos, loop, c])
            elif codes:
                for i, c in enumerate(codes):
                    lines.append([k3, tag, pos, loop, c])
                    if i == 0 and kind == "999" and note.ctx is not None:
                        lines.append(self._ctx(note.ctx, version))
            if note.elements and not elements:
                any_std = True  # AK3 code 8 without a writable AK4
            out.extend(lines)
        set_codes = self._codes(tx.codes, SET_CODES[prof], SET_DOWN, "AK502")
        if any_std and "5" not in set_codes:
            set_codes.append("5")
        elif any_impl and not any_std and "I5" not in set_codes and "5" not in set_codes:
            set_codes.append("I5" if kind == "999" else "5")
        out.append(["IK5" if kind == "999" else "AK5", status, *set_codes[:5]])
        return out, status

    def _ctx(self, ctx: tuple[str, int, Optional[str]], version: str) -> list:
        tag, position, loop = ctx
        d = self.d
        return ["CTX", "SITUATIONAL TRIGGER", safe_value(tag, d, 3, version), str(position),
                safe_value(loop or "", d, 4, version)]

    def _group_segments(self, g: _Group, kind: str, version: str) -> tuple[list[list], str]:
        d = self.d
        ak1: list = ["AK1", safe_value(g.functional_id, d, 2, version),
                     safe_value(g.control_number, d, 9, version)]
        if version >= "005010":
            ak1.append(safe_value(g.version, d, 12, version))
        body: list[list] = [ak1]
        statuses = []
        for tx in g.transactions:
            lines, status = self._set_segments(tx, kind, version)
            statuses.append(status)
            if status != "A" or self.b._include_accepted:
                body.extend(lines)
        received = len(g.transactions)
        accepted = sum(1 for s in statuses if s != "R")
        if g.errors or (received and accepted == 0):
            status = "R"
        elif accepted < received:
            status = "P"
        elif g.warnings or "E" in statuses:
            status = "E"
        else:
            status = "A"
        codes = self._codes(g.codes, GROUP_CODES[(kind, version)], {}, "AK905")
        included = g.included if g.included is not None else received
        body.append(["AK9", status, str(included), str(received), str(accepted), *codes[:5]])
        return body, status

    # assembly -------------------------------------------------------------

    def build(self) -> list[AckResult]:
        ic = self.ic
        ctrl = ic.control_number
        results: list[AckResult] = []
        ta1 = self._ta1()
        addr, reason = self._address()
        if addr is None:
            if ta1 is not None or any(g.functional_id != "FA" for g in ic.groups):
                found = "; ".join(f"{f.code}: {f.message}" for f in ic.ta105[:3])
                results.append(AckResult("none", ctrl, "", "",
                                         reason=reason + (f" (TA105 {found})" if found else ""),
                                         notes=tuple(self.notes)))
            return results
        ta1_seg: Optional[str] = None
        if ta1 is not None:
            ta1_seg = self._ta1_segment(*ta1)
            if ta1_seg is None:
                results.append(AckResult(
                    "none", ctrl, "", "",
                    reason=f"TA1 due ({ta1[0]} {ta1[1]}) but ISA13 {ctrl!r} is not a usable "
                           "interchange control number", notes=tuple(self.notes)))
        functional = ta1 is None or ta1[0] != "R"
        buckets: dict[tuple[str, str, str, str], list[_Group]] = {}
        if functional:
            for g in ic.groups:
                if g.functional_id.strip() == "FA":
                    continue  # functional acknowledgments are not acknowledged
                kind, version = self._kind(g)
                key = (kind, version, g.receiver.strip(), g.sender.strip())
                buckets.setdefault(key, []).append(g)
        embed = ta1_seg is not None and self.b._ta1_with_ack and bool(buckets)
        if ta1_seg is not None and not embed:
            env = self._envelope(addr, self._isa_version())
            written = render_interchange([], env, self.b._counter, self.now)
            text = _insert_after_isa(written.text, ta1_seg, env.delimiters)
            results.append(AckResult(
                "TA1", ctrl, ta1[0], text,  # type: ignore[index]
                ack_control_number=written.interchange_control_number,
                ta1_status=ta1[0], notes=tuple(self.notes)))  # type: ignore[index]
        for (kind, version, gs_sender, gs_receiver), groups in buckets.items():
            ack_version = X231 if kind == "999" else version
            d = self.d
            gs_s = safe_value(gs_sender, d, 15, version) or None
            gs_r = safe_value(gs_receiver, d, 15, version) or None
            env = self._envelope(addr, ack_version, gs_s, gs_r)
            fgroups = []
            answered = []
            for g in groups:
                segs, status = self._group_segments(g, kind, version)
                fgroups.append(FunctionalGroup("FA", [TransactionSet(
                    kind, segs, implementation_reference=X231 if kind == "999" else None)]))
                answered.append((g.control_number, status))
            written = render_interchange(fgroups, env, self.b._counter, self.now)
            text = written.text
            ta1_status = None
            if embed:
                text = _insert_after_isa(text, ta1_seg, env.delimiters)  # type: ignore[arg-type]
                embed = False
                ta1_status = ta1[0]  # type: ignore[index]
            results.append(AckResult(
                kind, ctrl, _worst([s for _, s in answered]), text,
                ack_control_number=written.interchange_control_number,
                groups=tuple(answered), ta1_status=ta1_status, notes=tuple(self.notes)))
        return results


def _valid_stamp(value: str, fmt: str, shape: re.Pattern) -> bool:
    if not shape.fullmatch(value):
        return False
    try:
        _dt.datetime.strptime(value, fmt)
    except ValueError:
        return False
    return True


def _usable(d: Delimiters) -> bool:
    """Single distinct printable non-alphanumeric characters (repetition optional)."""
    chars = [d.element, d.component, d.segment] + ([d.repetition] if d.repetition else [])
    for c in chars:
        if not c or len(c) != 1 or c.isalnum() or c == " " or (not c.isprintable() and c not in "\r\n\x1c\x1d\x1e\x1f"):
            return False
    if len(set(chars)) != len(chars):
        return False
    return all(ch in "\r\n" for ch in d.suffix) and d.segment not in d.suffix


def _insert_after_isa(text: str, segment: str, d: Delimiters) -> str:
    cut = text.index(d.segment) + len(d.segment) + len(d.suffix)
    return text[:cut] + segment + text[cut:]
