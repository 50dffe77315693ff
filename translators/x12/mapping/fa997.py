"""997 Functional Acknowledgment and 999 Implementation Acknowledgment <->
canonical FunctionalAck.

AK3/IK3 give a segment-level ``AckError`` (code AK304/IK304); each AK4/IK4
gives an element-level ``AckError`` carrying its segment's tag, position and
loop.  An AK3 whose code is empty or ``8`` ("segment has data element errors")
and that is followed by AK4s only frames them, so it yields no error of its
own; the writer emits such a frame for element errors.
"""
from __future__ import annotations

from typing import Callable, Final, Iterable, Optional

from translators.canonical import AckedTransaction, AckError, FunctionalAck
from translators.codes import str_keyed
from translators.findings import EDIError
from translators.x12.events import Segment
from translators.x12.mapping.common import (
    MappingContext, MappingError, element, integer, invert, required, text,
)

STATUSES: Final[dict[str, str]] = str_keyed({
    "A": "accepted", "E": "accepted_with_errors", "P": "partially_accepted", "R": "rejected",
    "M": "rejected", "W": "rejected", "X": "rejected",
})
STATUSES_OUT: Final = invert(STATUSES)
FRAME_CODES: Final = ("", "8")


class _State:
    __slots__ = ("ctx", "doc", "tx", "frame", "frame_used")

    def __init__(self, ctx: MappingContext) -> None:
        self.ctx = ctx
        self.doc = FunctionalAck(ack_type=ctx.set_id, status="")
        self.tx: Optional[AckedTransaction] = None
        self.frame: Optional[AckError] = None  # last AK3/IK3
        self.frame_used = False  # an AK4 followed it


def _status(seg: Segment, ctx: MappingContext, what: str) -> str:
    code = required(seg, 1, what, ctx)
    v = STATUSES.get(code)
    return v if v is not None else "x12:" + code


def _codes(seg: Segment, start: int, stop: int) -> list[str]:
    e = seg.elements
    return [e[i] for i in range(start, min(stop, len(e))) if e[i]]


def _close_frame(st: _State) -> None:
    frame = st.frame
    if frame is not None and st.frame_used and frame.code in FRAME_CODES and st.tx is not None:
        errors = st.tx.errors
        for i in range(len(errors) - 1, -1, -1):
            if errors[i] is frame:
                del errors[i]
                break
    st.frame = None
    st.frame_used = False


def _ak1(st: _State, seg: Segment) -> None:
    doc = st.doc
    doc.functional_id = element(seg, 1) or None
    doc.group_control_number = element(seg, 2) or None
    doc.version = element(seg, 3) or None


def _ak2(st: _State, seg: Segment) -> None:
    _close_frame(st)
    if st.tx is not None and not st.tx.status:
        raise MappingError("transaction set response (AK5/IK5) is missing before this AK2",
                           seg, None, st.ctx)
    tx = AckedTransaction(set_id=element(seg, 1), control_number=element(seg, 2), status="",
                          implementation_reference=element(seg, 3) or None)
    st.doc.transactions.append(tx)
    st.tx = tx


def _ak3(st: _State, seg: Segment) -> None:
    _close_frame(st)
    if st.tx is None:
        return
    ctx = st.ctx
    err = AckError(code=element(seg, 4), segment_tag=element(seg, 1) or None,
                   segment_position=integer(seg, 2, "segment position", ctx),
                   loop_id=element(seg, 3) or None, level="segment")
    st.tx.errors.append(err)
    st.frame = err


def _ak4(st: _State, seg: Segment) -> None:
    if st.tx is None:
        return
    ctx = st.ctx
    comps = element(seg, 1).split(ctx.delimiters.component)
    frame = st.frame
    err = AckError(
        code=element(seg, 3),
        segment_tag=frame.segment_tag if frame else None,
        segment_position=frame.segment_position if frame else None,
        loop_id=frame.loop_id if frame else None,
        element_position=integer(seg, 1, "element position", ctx, comps[0]),
        component_position=integer(seg, 1, "component position", ctx,
                                   comps[1] if len(comps) > 1 else ""),
        repetition=integer(seg, 1, "repetition position", ctx, comps[2] if len(comps) > 2 else ""),
        element_reference=element(seg, 2) or None,
        bad_value=text(seg, 4),
        level="element")
    st.tx.errors.append(err)
    st.frame_used = True


def _ak5(st: _State, seg: Segment) -> None:
    _close_frame(st)
    if st.tx is None:
        return
    st.tx.status = _status(seg, st.ctx, "transaction set acknowledgment code")
    st.tx.codes = _codes(seg, 2, 7)


def _ak9(st: _State, seg: Segment) -> None:
    _close_frame(st)
    ctx = st.ctx
    doc = st.doc
    doc.status = _status(seg, ctx, "functional group acknowledge code")
    doc.included = integer(seg, 2, "number of transaction sets included", ctx)
    doc.received = integer(seg, 3, "number of received transaction sets", ctx)
    doc.accepted = integer(seg, 4, "number of accepted transaction sets", ctx)
    doc.codes = _codes(seg, 5, 10)


HANDLERS: Final[dict[str, Callable[[_State, Segment], None]]] = str_keyed({
    "AK1": _ak1, "AK2": _ak2, "AK3": _ak3, "IK3": _ak3, "AK4": _ak4, "IK4": _ak4,
    "AK5": _ak5, "IK5": _ak5, "AK9": _ak9,
})


def read(segments: Iterable[Segment], ctx: MappingContext) -> FunctionalAck:
    st = _State(ctx)
    last: Optional[Segment] = None
    for seg in segments:
        last = seg
        h = HANDLERS.get(seg.tag)
        if h is not None:
            h(st, seg)
    _close_frame(st)
    for tx in st.doc.transactions:
        if not tx.status:
            raise MappingError(f"transaction set response (AK5/IK5) for {tx.control_number!r} "
                               f"is missing", last, None, ctx)
    if not st.doc.status:
        raise MappingError("functional group response trailer (AK9) is missing", last, None, ctx)
    return st.doc


# --------------------------------------------------------------------------- writing

def _status_out(value: str, what: str) -> str:
    code = STATUSES_OUT.get(value)
    if code is not None:
        return code
    if value.startswith("x12:") and len(value) > 4:
        return value[4:]
    raise EDIError(f"{what} status {value!r} has no X12 code")


def _num(value: Optional[int]) -> str:
    return "" if value is None else str(value)


def write(doc: FunctionalAck, version: str) -> list[list]:
    is999 = doc.ack_type == "999"
    if doc.ack_type not in ("997", "999"):
        raise EDIError(f"functional ack type {doc.ack_type!r} cannot be written as X12")
    v5 = version[:6] >= "005010"
    if is999 and not v5:
        raise EDIError("a 999 needs version 005010 or later")
    seg_tag, el_tag, tx_tag = ("IK3", "IK4", "IK5") if is999 else ("AK3", "AK4", "AK5")
    segs: list[list] = [["AK1", doc.functional_id or "", doc.group_control_number or ""]
                        + ([doc.version] if doc.version and v5 else [])]
    for tx in doc.transactions:
        ak2 = ["AK2", tx.set_id, tx.control_number]
        if tx.implementation_reference and v5:
            ak2.append(tx.implementation_reference)
        segs.append(ak2)
        frame: Optional[tuple] = None
        for err in tx.errors:
            key = (err.segment_tag, err.segment_position, err.loop_id)
            if err.level == "segment":
                segs.append([seg_tag, err.segment_tag or "", _num(err.segment_position),
                             err.loop_id or "", err.code])
                frame = key
                continue
            if err.level != "element":
                raise EDIError(f"ack error level {err.level!r} (segment or element)")
            if frame != key:
                segs.append([seg_tag, err.segment_tag or "", _num(err.segment_position),
                             err.loop_id or "", "8"])
                frame = key
            comp = [_num(err.element_position), _num(err.component_position)]
            if v5:
                comp.append(_num(err.repetition))
            segs.append([el_tag, tuple(comp), err.element_reference or "", err.code,
                         err.bad_value or ""])
        if len(tx.codes) > 5:
            raise EDIError("at most 5 transaction set error codes (AK502-AK506)")
        segs.append([tx_tag, _status_out(tx.status, "transaction")] + list(tx.codes))
    if len(doc.codes) > 5:
        raise EDIError("at most 5 functional group error codes (AK905-AK909)")
    segs.append(["AK9", _status_out(doc.status, "functional group"), _num(doc.included),
                 _num(doc.received), _num(doc.accepted)] + list(doc.codes))
    return segs
