"""CONTRL: build one for a received interchange (a fold over events and findings), and read
one a partner sent us into ``translators.canonical.FunctionalAck``.

Building
--------
``acknowledge(events, counter=..., now=None, report_accepted=True)`` consumes
the events of the reader, envelope validator and message validator and
yields one ``ContrlResult`` per interchange.  Only ERROR findings count;
warnings never reject.  Findings are routed by the field they fill:

* ``UCI0085`` -> UCI (0083 = 4 when any, with 0085, the erroneous service
  segment tag 0135/0013 and S011 of the first one; lower levels then omitted)
* ``UCF0085`` -> UCF of the group (0083 4/7), one UCF per group when the
  interchange uses groups
* ``UCM0085`` -> UCM of the message (UNH/UNT errors: 0085, tag, S011)
* ``UCS0085`` / ``UCD0085`` -> UCS (0096 segment position, UNH = 1) with UCD
  (0085, S011: 0098 position where the segment tag is 1, so a finding's
  element_position + 1; 0104 component; 0136 occurrence in syntax 4) under a
  rejected UCM.

UCI 0083 is 7 ("acknowledged; lower levels acknowledged unless rejected")
when the interchange itself is sound, 4 when it is rejected, 8 (received
only) with ``receipt_only=True``.  ``report_accepted=False`` lists only
rejected messages.  The CONTRL goes back with sender and recipient swapped,
in the received syntax identifier and version (UNOC when that cannot be
written), ``UNH ... CONTRL:D:3:UN`` for syntax 1-3 and ``CONTRL:4:1:UN``
for syntax 4 (the service directory's identifiers), references from the
counter (kinds UNB0020, UNH0062).  No CONTRL is produced for an interchange
holding only CONTRL messages (a CONTRL is never acknowledged), and none can
be addressed for a file without UNB (``text`` is None then).

Result status: ``accepted`` (nothing rejected), ``partially_accepted`` (some
messages or groups rejected), ``rejected`` (interchange rejected, or every
message rejected), ``received`` (receipt only).
"""
from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass, field
from typing import Iterable, Iterator, Optional, Sequence

from translators.canonical import AckError, AckedTransaction, FunctionalAck
from translators.edifact.events import (
    Event, GroupEnd, GroupStart, InterchangeEnd, InterchangeStart, MessageStart, Segment,
)
from translators.edifact.serialize import WRITABLE, Envelope, Message, render_interchange
from translators.findings import ERROR, EDIError, Finding
from translators.x12.serialize import ControlNumbers

ACKNOWLEDGED = "7"
REJECTED = "4"
RECEIVED = "8"
MAX_UCS = 999  # SG2/SG5 repeats per UCM
MAX_UCD = 99  # UCD per UCS


@dataclass(frozen=True)
class ContrlResult:
    kind: str  # "CONTRL"
    interchange_reference: str  # the answered UNB 0020
    status: str  # accepted | partially_accepted | rejected | received
    text: Optional[str]  # the CONTRL interchange; None when it cannot be addressed (no UNB)
    encoding: str = "latin-1"
    reference: Optional[str] = None  # our UNB 0020
    ack_requested: bool = False  # whether the partner asked for it (UNB 0031 = 1)
    sender_id: str = ""  # the partner (the answered interchange's sender)
    segments: tuple = ()  # the CONTRL body segments (UCI ... ), for inspection
    notes: tuple = ()  # findings that did not fit (second UCI error etc.), described

    def encode(self) -> bytes:
        return (self.text or "").encode(self.encoding)


@dataclass
class _Msg:
    start: MessageStart
    errors: list[Finding] = field(default_factory=list)  # UCM0085
    segs: dict[int, tuple[str, list[Finding], list[Finding]]] = field(default_factory=dict)

    @property
    def rejected(self) -> bool:
        return bool(self.errors or self.segs)


@dataclass
class _Grp:
    start: GroupStart
    errors: list[Finding] = field(default_factory=list)
    messages: list[_Msg] = field(default_factory=list)


class ContrlBuilder:
    """Feed events one by one; a result comes out when the next interchange starts or at
    ``close()`` (trailer findings follow the InterchangeEnd event)."""

    def __init__(self, *, counter: ControlNumbers, now: Optional[_dt.datetime] = None,
                 report_accepted: bool = True, receipt_only: bool = False) -> None:
        self.counter = counter
        self.now = now
        self.report_accepted = report_accepted
        self.receipt_only = receipt_only
        self._ic: Optional[InterchangeStart] = None
        self._reset()

    def _reset(self) -> None:
        self._uci: list[Finding] = []
        self._groups: list[_Grp] = []
        self._loose: list[_Msg] = []  # messages outside groups
        self._grp: Optional[_Grp] = None  # the current or last group (UNE findings follow)
        self._in_group = False
        self._msg: Optional[_Msg] = None
        self._notes: list[str] = []

    def feed(self, event: Event) -> Optional[ContrlResult]:
        kind = type(event)
        if kind is Segment:
            return None
        if kind is Finding:
            self._finding(event)  # type: ignore[arg-type]
            return None
        result = None
        if kind is InterchangeStart:
            result = self.close()
            self._ic = event  # type: ignore[assignment]
        elif kind is GroupStart:
            self._grp = _Grp(event)  # type: ignore[arg-type]
            self._groups.append(self._grp)
            self._in_group = True
            self._msg = None
        elif kind is MessageStart:
            self._msg = _Msg(event)  # type: ignore[arg-type]
            if self._in_group and self._grp is not None:
                self._grp.messages.append(self._msg)
            else:
                self._loose.append(self._msg)
        elif kind is GroupEnd or kind is InterchangeEnd:
            # trailer findings of UNE/UNZ follow; the last group stays addressable
            self._msg = None
            self._in_group = False
        return result

    def _finding(self, f: Finding) -> None:
        if f.severity != ERROR or self._ic is None:
            return
        level = f.field
        if level == "UCI0085":
            self._uci.append(f)
        elif level == "UCF0085":
            if self._grp is not None:
                self._grp.errors.append(f)
            else:
                self._uci.append(f)
        elif level in ("UCM0085", "UCS0085", "UCD0085"):
            msg = self._msg
            if msg is None:
                self._notes.append(f.describe())
                return
            if level == "UCM0085":
                msg.errors.append(f)
                return
            pos = f.position.segment_position or 1
            entry = msg.segs.get(pos)
            if entry is None:
                if len(msg.segs) >= MAX_UCS:
                    self._notes.append(f.describe())
                    return
                entry = (f.position.segment_tag or "", [], [])
                msg.segs[pos] = entry
            if level == "UCD0085" and f.position.element_position:
                entry[2].append(f)
            else:
                entry[1].append(f)
        else:  # another standard's field: keep it visible
            self._notes.append(f.describe())

    def close(self) -> Optional[ContrlResult]:
        ic = self._ic
        if ic is None:
            return None
        try:
            return self._build(ic)
        finally:
            self._ic = None
            self._reset()

    # ------------------------------------------------------------------ rendering

    def _build(self, ic: InterchangeStart) -> Optional[ContrlResult]:
        all_msgs = self._loose + [m for g in self._groups for m in g.messages]
        if all_msgs and all(m.start.message_type == "CONTRL" for m in all_msgs):
            return None
        v4 = ic.syntax_version == "4"
        body: list[list] = []
        if self.receipt_only:
            status = "received"
            body.append(self._uci_segment(ic, RECEIVED, None, v4))
        elif self._uci:
            status = "rejected"
            body.append(self._uci_segment(ic, REJECTED, self._uci[0], v4))
            self._notes.extend(f.describe() for f in self._uci[1:])
        else:
            body.append(self._uci_segment(ic, ACKNOWLEDGED, None, v4))
            rejected = 0
            total = 0
            for msg in self._loose:
                total += 1
                rejected += msg.rejected
                body.extend(self._ucm(msg, v4))
            for grp in self._groups:
                g_rejected = bool(grp.errors)
                g_msgs = []
                for msg in grp.messages:
                    total += 1
                    if g_rejected or msg.rejected:
                        rejected += 1
                    if not g_rejected:
                        g_msgs.extend(self._ucm(msg, v4))
                body.append(self._ucf_segment(grp, v4))
                if g_rejected:
                    self._notes.extend(f.describe() for f in grp.errors[1:])
                body.extend(g_msgs)
            if rejected == 0:
                status = "accepted"
            elif rejected == total:
                status = "rejected"
            else:
                status = "partially_accepted"
        text = None
        encoding = "latin-1"
        reference = None
        if ic.unb is not None:
            written = self._render(ic, body, v4)
            text, encoding, reference = written.text, written.encoding, written.interchange_reference
        return ContrlResult("CONTRL", ic.control_reference, status, text, encoding, reference,
                            ic.ack_requested, ic.sender_id, tuple(tuple(s) for s in body),
                            tuple(self._notes))

    def _render(self, ic: InterchangeStart, body: list[list], v4: bool):
        syntax_id = ic.syntax_id if ic.syntax_id in WRITABLE else "UNOC"
        version = ic.syntax_version if ic.syntax_version in ("1", "2", "3", "4") else "3"

        def env(ic: InterchangeStart, sid: str, own_chars: bool) -> Envelope:
            unb = ic.unb
            assert unb is not None
            s002 = unb.elements[2] if len(unb.elements) > 2 else [ic.sender_id]
            s003 = unb.elements[3] if len(unb.elements) > 3 else [ic.receiver_id]
            return Envelope(
                sender_id=ic.receiver_id, recipient_id=ic.sender_id,
                sender_qualifier=ic.receiver_qualifier, recipient_qualifier=ic.sender_qualifier,
                # reverse routing: the sender's 0008 becomes our recipient routing address
                recipient_routing=s002[2] if len(s002) > 2 else "",
                sender_routing=s003[2] if len(s003) > 2 else "",
                syntax_id=sid, syntax_version=version, test=ic.test,
                # answer with the partner's service characters (UNA written when not default)
                chars=ic.chars if own_chars and (ic.una or sid != "UNOB") else None,
                partner_key=ic.sender_id)

        def message(rows: list[list]) -> Message:
            return Message("CONTRL", "4" if v4 else "D", "1" if v4 else "3", rows)

        for sid in dict.fromkeys((syntax_id, "UNOC")):
            try:
                return render_interchange([message(body)], env(ic, sid, True), self.counter,
                                          self.now)
            except EDIError:
                continue
        # references holding characters no declared set can carry (undecodable bytes) or
        # unusable service characters: answer in UTF-8, default separators, characters replaced
        clean = _replace_unencodable(ic)
        return render_interchange([message(_clean(body))], env(clean, "UNOW", False),
                                  self.counter, self.now)

    @staticmethod
    def _s011(f: Finding, v4: bool) -> Optional[list[str]]:
        p = f.position
        if not p.element_position:
            return None
        out = [str(p.element_position + 1)]  # 0098: the segment tag is position 1
        if p.component_position:
            out.append(str(p.component_position))
        if v4 and p.repetition:
            if len(out) == 1:
                out.append("")
            out.append(str(p.repetition))
        return out

    def _service_fields(self, f: Optional[Finding], v4: bool) -> list:
        if f is None:
            return []
        tag = f.position.segment_tag or ""
        service_tag = tag if tag[:2] in ("UN", "US") else None
        s011 = self._s011(f, v4) if service_tag else None
        return [f.code, service_tag, s011]

    def _uci_segment(self, ic: InterchangeStart, action: str, f: Optional[Finding],
                     v4: bool) -> list:
        unb = ic.unb
        s002 = list(unb.elements[2]) if unb is not None and len(unb.elements) > 2 else [ic.sender_id]
        s003 = list(unb.elements[3]) if unb is not None and len(unb.elements) > 3 else [
            ic.receiver_id]
        return ["UCI", ic.control_reference, s002, s003, action] + self._service_fields(f, v4)

    def _ucf_segment(self, grp: _Grp, v4: bool) -> list:
        ung = grp.start.ung
        s006 = list(ung.elements[2]) if len(ung.elements) > 2 else [grp.start.sender_id]
        s007 = list(ung.elements[3]) if len(ung.elements) > 3 else [grp.start.receiver_id]
        f = grp.errors[0] if grp.errors else None
        return (["UCF", grp.start.control_reference, s006, s007,
                 REJECTED if f else ACKNOWLEDGED] + self._service_fields(f, v4))

    def _ucm(self, msg: _Msg, v4: bool) -> list[list]:
        if not msg.rejected and not self.report_accepted:
            return []
        st = msg.start
        # values echoed from the partner's UNH are cut to their formats (0065 an..6,
        # 0052/0054 an..3, 0051 an..2, 0057 an..6, 0062 an..14) so a malformed
        # header can never make our CONTRL invalid
        s009 = [st.message_type[:6], st.version[:3], st.release[:3], st.agency[:2],
                st.association_code[:6] or None]
        f = msg.errors[0] if msg.errors else None
        out: list[list] = [["UCM", st.reference[:14], s009, REJECTED if msg.rejected else ACKNOWLEDGED]
                           + self._service_fields(f, v4)]
        for extra in msg.errors[1:]:
            self._notes.append(extra.describe())
        for pos in sorted(msg.segs):
            tag, seg_errors, el_errors = msg.segs[pos]
            out.append(["UCS", str(pos), seg_errors[0].code if seg_errors else None])
            for extra in seg_errors[1:]:
                self._notes.append(extra.describe())
            seen: set[tuple] = set()
            count = 0
            for e in el_errors:
                s011 = self._s011(e, v4)
                key = (e.code, tuple(s011 or ()))
                if key in seen:
                    continue
                seen.add(key)
                if count >= MAX_UCD:
                    self._notes.append(e.describe())
                    continue
                count += 1
                out.append(["UCD", e.code, s011])
        return out


def _clean(value):
    if isinstance(value, str):
        return value.encode("utf-8", "replace").decode("utf-8")
    if isinstance(value, (list, tuple)):
        return [_clean(v) for v in value]
    return value


def _replace_unencodable(ic: InterchangeStart) -> InterchangeStart:
    from dataclasses import replace
    return replace(ic, sender_id=_clean(ic.sender_id), receiver_id=_clean(ic.receiver_id),
                   sender_qualifier=_clean(ic.sender_qualifier),
                   receiver_qualifier=_clean(ic.receiver_qualifier),
                   unb=ic.unb._replace(elements=_clean(ic.unb.elements)) if ic.unb else None)


def acknowledge(events: Iterable[Event], *, counter: ControlNumbers,
                now: Optional[_dt.datetime] = None, report_accepted: bool = True,
                receipt_only: bool = False) -> Iterator[ContrlResult]:
    """One ContrlResult per interchange of the event stream."""
    builder = ContrlBuilder(counter=counter, now=now, report_accepted=report_accepted,
                            receipt_only=receipt_only)
    for ev in events:
        result = builder.feed(ev)
        if result is not None:
            yield result
    result = builder.close()
    if result is not None:
        yield result


# ----------------------------------------------------------------------------- reading

_ACTION_STATUS = {"7": "accepted", "4": "rejected", "8": "received"}


def _c(seg: Sequence, i: int, j: int = 0) -> str:
    """Component j of element i of a segment given as Segment.elements or as a plain list."""
    if i >= len(seg):
        return ""
    el = seg[i]
    if isinstance(el, str):
        return el if j == 0 else ""
    if el is None:
        return ""
    return el[j] if j < len(el) and el[j] is not None else ""


def _int(value: str) -> Optional[int]:
    return int(value) if value.isdigit() else None


def read_contrl(segments: Iterable, context: Optional[MessageStart] = None) -> FunctionalAck:
    """Map the body of an inbound CONTRL (UCI, UCF, UCM, UCS, UCD: ``Segment`` events or
    element lists with the tag first) to a FunctionalAck.

    ``context`` is the CONTRL's MessageStart (kept for symmetry with the X12 readers;
    unused).  Raises EDIError when there is no UCI segment.
    """
    ack: Optional[FunctionalAck] = None
    current: Optional[AckedTransaction] = None
    seg_pos: Optional[int] = None
    seg_tag: Optional[str] = None
    group_status: Optional[str] = None
    for seg in segments:
        els = seg.elements if isinstance(seg, Segment) else seg
        tag = _c(els, 0)
        if tag == "UCI":
            action = _c(els, 4)
            ack = FunctionalAck(ack_type="CONTRL", status=_ACTION_STATUS.get(action, f"edifact:{action}"),
                                interchange_control_number=_c(els, 1) or None)
            if _c(els, 5):
                ack.codes.append(_c(els, 5))
        elif ack is None:
            continue
        elif tag == "UCF":
            ack.group_control_number = _c(els, 1) or None
            action = _c(els, 4)
            group_status = _ACTION_STATUS.get(action, f"edifact:{action}")
            if _c(els, 5):
                ack.codes.append(_c(els, 5))
            if group_status == "rejected" and ack.status == "accepted":
                ack.status = "partially_accepted"
        elif tag == "UCM":
            action = _c(els, 3)
            status = _ACTION_STATUS.get(action, f"edifact:{action}")
            if group_status == "rejected":
                status = "rejected"
            current = AckedTransaction(set_id=_c(els, 2, 0), control_number=_c(els, 1),
                                       status=status)
            if _c(els, 4):
                current.codes.append(_c(els, 4))
                if _c(els, 5):
                    current.errors.append(AckError(
                        code=_c(els, 4), segment_tag=_c(els, 5),
                        element_position=(_int(_c(els, 6, 0)) or 1) - 1 or None,
                        component_position=_int(_c(els, 6, 1)), level="element"
                        if _c(els, 6) else "segment"))
            ack.transactions.append(current)
            seg_pos = seg_tag = None
        elif tag == "UCS" and current is not None:
            seg_pos = _int(_c(els, 1))
            seg_tag = None
            if _c(els, 2):
                current.errors.append(AckError(code=_c(els, 2), segment_position=seg_pos,
                                               segment_tag=seg_tag, level="segment"))
        elif tag == "UCD" and current is not None:
            position = _int(_c(els, 2, 0))
            current.errors.append(AckError(
                code=_c(els, 1), segment_position=seg_pos, segment_tag=seg_tag,
                element_position=position - 1 if position and position > 1 else None,
                component_position=_int(_c(els, 2, 1)), repetition=_int(_c(els, 2, 2)),
                level="element"))
    if ack is None:
        raise EDIError("CONTRL without UCI segment")
    if ack.transactions:
        statuses = {t.status for t in ack.transactions}
        if ack.status == "accepted" and "rejected" in statuses:
            ack.status = "rejected" if statuses == {"rejected"} else "partially_accepted"
        ack.included = len(ack.transactions)
        ack.received = len(ack.transactions)
        ack.accepted = sum(1 for t in ack.transactions if t.status == "accepted")
    return ack


__all__ = ["ContrlBuilder", "ContrlResult", "acknowledge", "read_contrl", "ACKNOWLEDGED",
           "REJECTED", "RECEIVED"]
