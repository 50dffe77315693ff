"""EDIFACT envelope validation and the CONTRL syntax error codes (data element 0085).

``validate_envelope(events, registry=None)`` passes the reader's events through
unchanged and inserts ``Finding`` events named by the CONTRL field they fill:
``UCI0085`` (interchange: UNA/UNB/UNZ), ``UCF0085`` (group: UNG/UNE) and
``UCM0085`` (message: UNH/UNT).  Findings follow the event that reveals them
(an End event for trailer checks) and carry the element position in the
service segment (1 = first data element after the tag), so the CONTRL builder
can fill 0135 (service segment tag) and S011.

Checks
------
* UNB: syntax identifier (0001) known (12 when it is no code of the list, 2
  when it is a code we cannot read), syntax version 1-4 (2 otherwise),
  mandatory sender/recipient/date/time/reference (13), date CCYYMMDD in
  syntax 4 and YYMMDD before (12), time HHMM (12), 0031 and 0035 '1' when
  present (12), interchange reference unique per sender within the input and,
  with a ``ReferenceRegistry``, across inputs (26).
* A file without UNB (UNA + UNH..UNT): a WARNING (13): nothing to check, no
  CONTRL can be addressed.
* UNZ: present (13), 0036 = groups, or messages when there are no groups (29),
  0020 = UNB 0020 (28).  Groups and messages mixed at interchange level (30).
* UNG/UNE: same as above per group (UCF0085: 13, 28, 29), empty group is fine
  (UNE+0).
* UNH/UNT: mandatory 0062 and S009 0065/0052/0054/0051 (13), UNT present (13),
  0074 = segments UNH..UNT (29), UNT 0062 = UNH 0062 (28), message reference
  unique within the interchange, or within the group when groups are used (26).
"""
from __future__ import annotations

import datetime as _dt
from typing import Any, Final, Iterable, Iterator, Optional, Protocol

from translators.edifact import _scan
from translators.edifact.events import (
    Event, GroupEnd, GroupStart, InterchangeEnd, InterchangeStart, MessageEnd, MessageStart,
    Segment,
)
from translators.extensions import pick
from translators.findings import ERROR, WARNING, Finding, Position

#: the indexes of the events that are not segments (translators/edifact/_scan.py or its C twin)
_others = pick("translators.edifact._c_scan", "others", _scan.others)[0]

# ----------------------------------------------------------------------------- 0085 code tables
#
# Syntax 4 (ISO 9735-1:2002, service code list 0085).  The message validator
# and this module only emit codes of this list; the syntax 3 list (ISO 9735
# amendment 1 / UNSM D.93A onwards) has the same numbers with a few narrower
# texts, noted below.  Partners on syntax 1/2 era software (e.g. code lists of
# directories up to D.99B) may send the older codes 1-11 in a CONTRL they
# return to us: LEGACY_0085 lets read_contrl() describe them.
CODES_0085_V4: Final[dict[str, str]] = {
    "2": "Syntax version or level not supported",
    "7": "Interchange recipient not actual recipient",
    "12": "Invalid value",
    "13": "Missing",
    "14": "Value not supported in this position",
    "15": "Not supported in this position",
    "16": "Too many constituents",
    "17": "No agreement",
    "18": "Unspecified error",
    "19": "Invalid decimal notation",
    "20": "Character invalid as service character",
    "21": "Invalid character(s)",
    "22": "Invalid service character(s)",
    "23": "Unknown interchange sender",
    "24": "Too old",
    "25": "Test indicator not supported",
    "26": "Duplicate detected",
    "27": "Security function not supported",
    "28": "References do not match",
    "29": "Control count does not match",
    "30": "Functional groups and messages mixed",
    "31": "More than one message type in group",
    "32": "Lower level empty",
    "33": "Invalid occurrence outside message, package or group",
    "34": "Nesting indicator not allowed",
    "35": "Too many data element or segment repetitions",
    "36": "Too many segment group repetitions",
    "37": "Invalid type of character(s)",
    "38": "Missing digit in front of decimal sign",
    "39": "Data element too long",
    "40": "Data element too short",
    "41": "Permanent communication network error",
    "42": "Temporary communication network error",
    "43": "Unknown interchange recipient",
    "45": "Trailing separator",
    "46": "Character set not supported",
    "47": "Envelope functionality not supported",
    "48": "Dependency notes condition violated",
}
#: Syntax 3: where the text differs from syntax 4; codes 41 and above do not exist.
CODES_0085_V3: Final[dict[str, str]] = {
    **{k: v for k, v in CODES_0085_V4.items() if int(k) <= 40},
    "33": "Invalid occurrence outside message or group",
    "35": "Too many segment repetitions",
}
#: Codes of the syntax 1/2 era (CONTRL before the 1990s list), still listed in D.99B.
LEGACY_0085: Final[dict[str, str]] = {
    "1": "UNA not supported",
    "2": "Syntax version or level not supported",
    "3": "Message version/release not supported",
    "4": "Service segment missing/invalid",
    "5": "Trailer check in error",
    "6": "Data segment missing/invalid",
    "7": "Interchange recipient not actual recipient",
    "8": "Too many data elements in segment",
    "9": "Mandatory data element missing",
    "10": "Data element attribute error",
    "11": "Password invalid",
}


def code_table(syntax_version: str) -> dict[str, str]:
    """The 0085 list for a syntax version ('4' -> syntax 4 list; '1'..'3' -> syntax 3 list)."""
    return CODES_0085_V4 if syntax_version == "4" else CODES_0085_V3


def describe_0085(code: str, syntax_version: str = "4") -> str:
    table = code_table(syntax_version)
    return table.get(code) or LEGACY_0085.get(code) or CODES_0085_V4.get(code) or f"code {code}"


#: Syntax identifiers (0001) of the service code list, and which we read.
KNOWN_SYNTAX_IDS: Final = frozenset({
    "UNOA", "UNOB", "UNOC", "UNOD", "UNOE", "UNOF", "UNOG", "UNOH", "UNOI", "UNOJ", "UNOK",
    "UNOL", "UNOM", "UNON", "UNOO", "UNOP", "UNOQ", "UNOR", "UNOS", "UNOT", "UNOU", "UNOV",
    "UNOW", "UNOX", "UNOY", "KECA", "IATA", "IATB",
})
SUPPORTED_SYNTAX_IDS: Final = frozenset({
    "UNOA", "UNOB", "UNOC", "UNOD", "UNOE", "UNOF", "UNOG", "UNOH", "UNOI", "UNOJ", "UNOK",
    "UNOW", "UNOY", "IATA", "IATB",
})
SUPPORTED_VERSIONS: Final = frozenset({"1", "2", "3", "4"})

UCI: Final = "UCI0085"
UCF: Final = "UCF0085"
UCM: Final = "UCM0085"


class ReferenceRegistry(Protocol):
    """Remembers interchange references per sender to detect duplicates across inputs."""

    def check_and_record(self, sender: str, qualifier: str, reference: str) -> bool:
        """Record the reference; False when it was already recorded (a duplicate).

        Note: the opposite of translators.x12.envelope.ControlNumberRegistry, where True
        means a duplicate.
        """
        ...


class MemoryReferenceRegistry:
    """In-memory registry (the engine supplies a persistent one)."""

    def __init__(self) -> None:
        self._seen: set[tuple[str, str, str]] = set()

    def check_and_record(self, sender: str, qualifier: str, reference: str) -> bool:
        key = (sender, qualifier, reference)
        if key in self._seen:
            return False
        self._seen.add(key)
        return True


def _comp(seg: Optional[Segment], i: int, j: int = 0) -> str:
    if seg is None:
        return ""
    els = seg.elements
    if i < len(els) and j < len(els[i]):
        return els[i][j]
    return ""


def _valid_date(value: str, syntax_version: str) -> bool:
    fmt = "%Y%m%d" if syntax_version == "4" else "%y%m%d"
    width = 8 if syntax_version == "4" else 6
    if len(value) != width or not value.isdigit():
        return False
    try:
        _dt.datetime.strptime(value, fmt)
    except ValueError:
        return False
    return True


def _valid_time(value: str) -> bool:
    return len(value) == 4 and value.isdigit() and int(value[:2]) < 24 and int(value[2:]) < 60


class _State:
    __slots__ = ("ic", "ref", "version", "groups", "bare_messages", "group", "msg_refs",
                 "seen_refs")

    def __init__(self) -> None:
        self.ic: Optional[InterchangeStart] = None
        self.ref: Optional[str] = None
        self.version = "4"
        self.groups = 0
        self.bare_messages = 0  # messages directly in the interchange
        self.group: Optional[GroupStart] = None
        self.msg_refs: set[str] = set()
        self.seen_refs: set[tuple[str, str, str]] = set()


def validate_envelope(events: Iterable[Event],
                      registry: Optional[ReferenceRegistry] = None) -> Iterator[Event]:
    """Pass events through, inserting envelope findings."""
    st = _State()
    for ev in events:
        yield ev
        kind = type(ev)
        if kind is Segment or kind is Finding:
            continue
        if kind is MessageStart:
            yield from _message_start(ev, st)  # type: ignore[arg-type]
        elif kind is MessageEnd:
            yield from _message_end(ev, st)  # type: ignore[arg-type]
        elif kind is InterchangeStart:
            yield from _interchange_start(ev, st, registry)  # type: ignore[arg-type]
        elif kind is InterchangeEnd:
            yield from _interchange_end(ev, st)  # type: ignore[arg-type]
        elif kind is GroupStart:
            yield from _group_start(ev, st)  # type: ignore[arg-type]
        elif kind is GroupEnd:
            yield from _group_end(ev, st)  # type: ignore[arg-type]


class EnvelopeValidator:
    """Incremental form of ``validate_envelope`` for lists of events (a reader's feed()):
    only the envelope events are looked at; the list is returned as is when nothing is
    found."""

    def __init__(self, registry: Optional[ReferenceRegistry] = None) -> None:
        self._state = _State()
        self._registry = registry

    def process(self, events: list[Event]) -> list[Event]:
        out: Optional[list[Event]] = None
        done = 0
        st = self._state
        for j in _others(events, Segment):
            ev = events[j]
            kind = type(ev)
            if kind is Finding:
                continue
            if kind is MessageStart:
                found = list(_message_start(ev, st))  # type: ignore[arg-type]
            elif kind is MessageEnd:
                found = list(_message_end(ev, st))  # type: ignore[arg-type]
            elif kind is InterchangeStart:
                found = list(_interchange_start(ev, st, self._registry))  # type: ignore[arg-type]
            elif kind is InterchangeEnd:
                found = list(_interchange_end(ev, st))  # type: ignore[arg-type]
            elif kind is GroupStart:
                found = list(_group_start(ev, st))  # type: ignore[arg-type]
            elif kind is GroupEnd:
                found = list(_group_end(ev, st))  # type: ignore[arg-type]
            else:
                continue
            if found:
                if out is None:
                    out = events[:j + 1]
                else:
                    out += events[done:j + 1]
                out += found
                done = j + 1
        if out is None:
            return events
        out += events[done:]
        return out


def _pos(st: _State, offset: int, tag: str, element: Optional[int] = None,
         component: Optional[int] = None, bad: Optional[str] = None, **kw) -> Position:
    return Position(offset=offset, interchange=st.ref or None,
                    group=st.group.control_reference if st.group else None,
                    segment_tag=tag, element_position=element, component_position=component,
                    bad_value=bad, **kw)


def _interchange_start(ev: InterchangeStart, st: _State,
                       registry: Optional[ReferenceRegistry]) -> Iterator[Finding]:
    st.ic = ev
    st.ref = ev.control_reference
    st.version = ev.syntax_version or "4"
    st.groups = 0
    st.bare_messages = 0
    st.group = None
    st.msg_refs = set()
    if ev.unb is None:
        yield Finding(UCI, "13", "no UNB interchange header (UNA + messages only): envelope "
                                 "not checked, no CONTRL can be addressed",
                      _pos(st, ev.offset, "UNB"), severity=WARNING)
        return
    off = ev.offset
    sid = ev.syntax_id
    if not sid:
        yield Finding(UCI, "13", "UNB: syntax identifier (S001 0001) missing",
                      _pos(st, off, "UNB", 1, 1))
    elif sid not in KNOWN_SYNTAX_IDS:
        yield Finding(UCI, "12", f"UNB: unknown syntax identifier {sid!r}",
                      _pos(st, off, "UNB", 1, 1, sid))
    elif sid not in SUPPORTED_SYNTAX_IDS:
        yield Finding(UCI, "2", f"UNB: syntax identifier {sid} (character set) not supported",
                      _pos(st, off, "UNB", 1, 1, sid))
    if not ev.syntax_version:
        yield Finding(UCI, "13", "UNB: syntax version (S001 0002) missing",
                      _pos(st, off, "UNB", 1, 2))
    elif ev.syntax_version not in SUPPORTED_VERSIONS:
        yield Finding(UCI, "2", f"UNB: syntax version {ev.syntax_version!r} not supported "
                                f"(1 to 4)", _pos(st, off, "UNB", 1, 2, ev.syntax_version))
    for value, el, comp, what in ((ev.sender_id, 2, 1, "interchange sender (S002 0004)"),
                                  (ev.receiver_id, 3, 1, "interchange recipient (S003 0010)"),
                                  (ev.date, 4, 1, "date (S004 0017)"),
                                  (ev.time, 4, 2, "time (S004 0019)"),
                                  (ev.control_reference, 5, None, "interchange control "
                                                                   "reference (0020)")):
        if not value:
            yield Finding(UCI, "13", f"UNB: {what} missing", _pos(st, off, "UNB", el, comp))
    if ev.date and not _valid_date(ev.date, ev.syntax_version):
        want = "CCYYMMDD" if ev.syntax_version == "4" else "YYMMDD"
        yield Finding(UCI, "12", f"UNB: date {ev.date!r} is not a valid {want} date (syntax "
                                 f"version {ev.syntax_version})",
                      _pos(st, off, "UNB", 4, 1, ev.date))
    if ev.time and not _valid_time(ev.time):
        yield Finding(UCI, "12", f"UNB: time {ev.time!r} is not a valid HHMM time",
                      _pos(st, off, "UNB", 4, 2, ev.time))
    ack = _comp(ev.unb, 9)
    if ack == "0":  # the field habit for "no acknowledgement": not a code, but harmless
        yield Finding(UCI, "12", "UNB: acknowledgement request (0031) '0' is not a code; read "
                                 "as not requested", _pos(st, off, "UNB", 9, None, ack),
                      severity=WARNING)
    elif ack and ack != "1" and not (ack == "2" and ev.syntax_version == "4"):
        yield Finding(UCI, "12", f"UNB: acknowledgement request (0031) {ack!r} must be '1' "
                                 f"or absent", _pos(st, off, "UNB", 9, None, ack))
    test = _comp(ev.unb, 11)
    if test and test != "1":
        yield Finding(UCI, "12", f"UNB: test indicator (0035) {test!r} must be '1' or absent",
                      _pos(st, off, "UNB", 11, None, test))
    if ev.control_reference:
        key = (ev.sender_id, ev.sender_qualifier, ev.control_reference)
        duplicate = key in st.seen_refs
        st.seen_refs.add(key)
        if registry is not None and not registry.check_and_record(*key):
            duplicate = True
        if duplicate:
            yield Finding(UCI, "26", f"UNB: duplicate interchange control reference "
                                     f"{ev.control_reference!r} from {ev.sender_id}",
                          _pos(st, off, "UNB", 5, None, ev.control_reference))


def _interchange_end(ev: InterchangeEnd, st: _State) -> Iterator[Finding]:
    ic = st.ic
    bare = ic is not None and ic.unb is None
    if ev.trailer is None:
        if not bare:
            yield Finding(UCI, "13", "interchange trailer UNZ missing (input ended or a new "
                                     "interchange started)", _pos(st, ev.offset, "UNZ"))
    else:
        off = ev.trailer.offset
        count = _comp(ev.trailer, 1)
        ref = _comp(ev.trailer, 2)
        what = "groups" if st.groups else "messages"
        if not count:
            yield Finding(UCI, "13", "UNZ: interchange control count (0036) missing",
                          _pos(st, off, "UNZ", 1))
        elif not count.isdigit() or int(count) != ev.count:
            yield Finding(UCI, "29", f"UNZ: control count {count!r} but {ev.count} {what} read",
                          _pos(st, off, "UNZ", 1, None, count))
        if not ref:
            yield Finding(UCI, "13", "UNZ: interchange control reference (0020) missing",
                          _pos(st, off, "UNZ", 2))
        elif ic is not None and ic.unb is not None and ref != ic.control_reference:
            yield Finding(UCI, "28", f"UNZ: reference {ref!r} does not match UNB reference "
                                     f"{ic.control_reference!r}",
                          _pos(st, off, "UNZ", 2, None, ref))
    if st.groups and st.bare_messages:
        yield Finding(UCI, "30", f"{st.bare_messages} message(s) outside groups in an "
                                 f"interchange that uses groups", _pos(st, ev.offset, "UNZ"))
    st.ic = None
    st.group = None


def _group_start(ev: GroupStart, st: _State) -> Iterator[Finding]:
    st.group = ev
    st.msg_refs = set()  # message references are unique within their group
    st.groups += 1
    off = ev.offset
    for value, el, what in ((ev.group_id, 1, "message group identification (0038)"),
                            (ev.control_reference, 5, "group reference number (0048)")):
        if not value:
            yield Finding(UCF, "13", f"UNG: {what} missing", _pos(st, off, "UNG", el))


def _group_end(ev: GroupEnd, st: _State) -> Iterator[Finding]:
    grp = st.group
    if ev.trailer is None:
        yield Finding(UCF, "13", "group trailer UNE missing", _pos(st, ev.offset, "UNE"))
    else:
        off = ev.trailer.offset
        count = _comp(ev.trailer, 1)
        ref = _comp(ev.trailer, 2)
        if not count:
            yield Finding(UCF, "13", "UNE: group control count (0060) missing",
                          _pos(st, off, "UNE", 1))
        elif not count.isdigit() or int(count) != ev.message_count:
            yield Finding(UCF, "29", f"UNE: control count {count!r} but {ev.message_count} "
                                     f"messages read", _pos(st, off, "UNE", 1, None, count))
        if not ref:
            yield Finding(UCF, "13", "UNE: group reference number (0048) missing",
                          _pos(st, off, "UNE", 2))
        elif grp is not None and ref != grp.control_reference:
            yield Finding(UCF, "28", f"UNE: reference {ref!r} does not match UNG reference "
                                     f"{grp.control_reference!r}",
                          _pos(st, off, "UNE", 2, None, ref))
    st.group = None


def _message_start(ev: MessageStart, st: _State) -> Iterator[Finding]:
    if st.group is None:
        st.bare_messages += 1
    kw: dict[str, Any] = dict(transaction=ev.reference or None,
                              transaction_set=ev.message_type or None, segment_position=1)
    off = ev.offset
    if not ev.reference:
        yield Finding(UCM, "13", "UNH: message reference number (0062) missing",
                      _pos(st, off, "UNH", 1, **kw))
    elif ev.reference in st.msg_refs:
        yield Finding(UCM, "26", f"UNH: message reference {ev.reference!r} used twice in the "
                                 f"interchange", _pos(st, off, "UNH", 1, None, ev.reference, **kw))
    else:
        st.msg_refs.add(ev.reference)
    for value, comp, what in ((ev.message_type, 1, "message type (0065)"),
                              (ev.version, 2, "message version number (0052)"),
                              (ev.release, 3, "message release number (0054)"),
                              (ev.agency, 4, "controlling agency (0051)")):
        if not value:
            yield Finding(UCM, "13", f"UNH: {what} missing", _pos(st, off, "UNH", 2, comp, **kw))


def _message_end(ev: MessageEnd, st: _State) -> Iterator[Finding]:
    kw: dict[str, Any] = dict(transaction=ev.reference or None,
                              transaction_set=ev.message_type or None)
    if ev.trailer is None:
        yield Finding(UCM, "13", "message trailer UNT missing",
                      _pos(st, ev.offset, "UNT", segment_position=ev.segment_count, **kw))
        return
    off = ev.trailer.offset
    kw["segment_position"] = ev.segment_count
    count = _comp(ev.trailer, 1)
    ref = _comp(ev.trailer, 2)
    if not count:
        yield Finding(UCM, "13", "UNT: number of segments (0074) missing",
                      _pos(st, off, "UNT", 1, **kw))
    elif not count.isdigit() or int(count) != ev.segment_count:
        yield Finding(UCM, "29", f"UNT: segment count {count!r} but {ev.segment_count} segments "
                                 f"read (UNH to UNT)", _pos(st, off, "UNT", 1, None, count, **kw))
    if not ref:
        yield Finding(UCM, "13", "UNT: message reference number (0062) missing",
                      _pos(st, off, "UNT", 2, **kw))
    elif ref != ev.reference:
        yield Finding(UCM, "28", f"UNT: reference {ref!r} does not match UNH reference "
                                 f"{ev.reference!r}", _pos(st, off, "UNT", 2, None, ref, **kw))


__all__ = ["validate_envelope", "EnvelopeValidator", "ReferenceRegistry", "MemoryReferenceRegistry", "CODES_0085_V4",
           "CODES_0085_V3", "LEGACY_0085", "code_table", "describe_0085", "ERROR", "WARNING"]
