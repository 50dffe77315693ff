"""855 Purchase Order Acknowledgment <-> canonical OrderResponse."""
from __future__ import annotations

import datetime as _dt
from typing import Callable, Final, Iterable, Optional

from translators.canonical import OrderResponse, Party, ProductId, Reference, ResponseLine
from translators.codes import str_keyed
from translators.findings import EDIError
from translators.x12.events import Segment
from translators.x12.mapping.common import (
    ADDRESS_HANDLERS, CONTACT_ROLES_OUT, PURPOSES, date, decimal, element, fmt_date,
    fmt_decimal, from_code, heading_handlers, is_header_contact, MappingContext, MappingError,
    note_handler, party_segments, per_segment, product_ids, product_pairs, purpose_out,
    reference_segment, required, required_date, split_text, text, unit_in, unit_out,
)

#: BAK02 acknowledgment type (DE 587) -> OrderResponse.status.
ACK_TYPES: Final[dict[str, str]] = str_keyed({
    "AD": "accepted", "AK": "accepted", "AT": "accepted", "AP": "accepted",
    "AC": "accepted_with_changes", "AE": "accepted_with_changes",
    "RD": "rejected", "RJ": "rejected", "RF": "rejected", "RO": "rejected",
})

#: ACK01 line item status (DE 668) -> ResponseLine.status.
LINE_STATUSES: Final[dict[str, str]] = str_keyed({
    "IA": "accepted", "AC": "accepted", "AR": "accepted",
    "IB": "backordered", "BP": "backordered",
    "IC": "changed", "IQ": "quantity_changed", "DR": "date_changed", "IP": "price_changed",
    "IS": "substituted",
    "IR": "rejected", "R1": "rejected", "R2": "rejected", "R3": "rejected", "R4": "rejected",
})
LINE_STATUSES_OUT: Final[dict[str, str]] = {
    "accepted": "IA", "backordered": "IB", "changed": "IC", "quantity_changed": "IQ",
    "date_changed": "DR", "price_changed": "IP", "substituted": "IS", "rejected": "IR",
}

MAX_PAIRS: Final = 10  # PO106..PO125
SCHEDULE_QUALIFIER: Final = "068"  # ACK04 written: current schedule ship


class _State:
    __slots__ = ("ctx", "doc", "party", "line", "acks", "sch_date", "dtm_date",
                 "header_parties", "in_detail", "line_price_set")

    def __init__(self, ctx: MappingContext) -> None:
        self.ctx = ctx
        self.doc: Optional[OrderResponse] = None
        self.party: Optional[Party] = None
        self.line: Optional[ResponseLine] = None
        #: ACKs of the current PO1: (status, quantity, ACK03 unit, ACK05 date, ACK07.. ids)
        self.acks: list[tuple] = []
        self.sch_date: Optional[_dt.date] = None
        self.dtm_date: Optional[_dt.date] = None
        self.header_parties: list[Party] = []
        self.in_detail = False
        self.line_price_set = False


def _doc(st: _State, seg: Segment) -> OrderResponse:
    if st.doc is None:
        raise MappingError("BAK must come before " + seg.tag, seg, None, st.ctx)
    return st.doc


def _bak(st: _State, seg: Segment) -> None:
    ctx = st.ctx
    e = seg.elements
    n = len(e)
    purpose = element(seg, 1)
    kind = element(seg, 2)
    order_number = required(seg, 3, "purchase order number", ctx)
    order_date = required_date(seg, 4, "purchase order date", ctx)
    number = (e[8] if n > 8 else "") or (e[6] if n > 6 else "") or order_number
    ack_date = date(seg, 9, "acknowledgment date", ctx) if n > 9 else None
    st.doc = OrderResponse(
        number=number, date=ack_date or order_date, order_number=order_number,
        order_date=order_date, status=from_code(ACK_TYPES, kind) if kind else "accepted",
        purpose=from_code(PURPOSES, purpose) if purpose else "original")
    contract = text(seg, 7) if n > 7 else None
    if contract:
        st.doc.references.append(Reference("contract", contract))



def _part(line: ResponseLine, ack: tuple, fallback: Optional[_dt.date]) -> ResponseLine:
    """The PO1 line with one ACK's status, quantity/unit, date and extra product ids."""
    status, qty, unit, when, ids = ack
    pids = list(line.product_ids)
    for pid in ids:
        if pid not in pids:
            pids.append(pid)
    return ResponseLine(
        line_number=line.line_number, status=status, quantity=qty,
        unit=unit if qty is not None and unit is not None else line.unit,
        ordered_quantity=line.ordered_quantity, unit_price=line.unit_price,
        scheduled_date=when if when is not None else fallback, product_ids=pids,
        description=line.description)


def _finish_line(st: _State) -> None:
    """Complete the PO1 line: no ACK -> status from the header; one ACK per part."""
    line = st.line
    if line is None:
        return
    acks = st.acks
    fallback = st.sch_date if st.sch_date is not None else st.dtm_date
    if not acks:
        header = st.doc.status if st.doc is not None else "accepted"
        line.status = "rejected" if header == "rejected" else "accepted"
        line.scheduled_date = fallback
    elif len(acks) == 1:  # the common case: fill the line in place
        status, qty, unit, when, ids = acks[0]
        line.status = status
        line.quantity = qty
        if qty is not None and unit is not None:
            line.unit = unit
        line.scheduled_date = when if when is not None else fallback
        for pid in ids:
            if pid not in line.product_ids:
                line.product_ids.append(pid)
    else:
        # _po1 appended the line last to doc.lines: its parts replace it there
        st.doc.lines[-1:] = [_part(line, ack, fallback) for ack in acks]  # type: ignore[union-attr]
    st.line = None
    st.acks = []
    st.sch_date = None
    st.dtm_date = None


def _po1(st: _State, seg: Segment) -> None:
    ctx = st.ctx
    doc = _doc(st, seg)
    _finish_line(st)
    st.party = None
    st.in_detail = True
    e = seg.elements
    n = len(e)
    unit = e[3] if n > 3 else ""
    line = ResponseLine(line_number=e[1] if n > 1 else "", status="accepted",
                        ordered_quantity=decimal(seg, 2, "quantity ordered", ctx),
                        unit=unit_in(unit) if unit else None,
                        unit_price=decimal(seg, 4, "unit price", ctx) if n > 4 else None)
    if n > 7:
        product_ids(seg, 6, 25, line.product_ids, None, st.ctx.plain)
    doc.lines.append(line)
    st.line = line
    st.line_price_set = False


def _ctp(st: _State, seg: Segment) -> None:
    line = st.line
    if line is None or st.line_price_set:
        return
    price = decimal(seg, 3, "unit price", st.ctx)
    if price is not None:
        line.unit_price = price
        st.line_price_set = True


def _pid(st: _State, seg: Segment) -> None:
    line = st.line
    if line is None:
        return
    e = seg.elements
    if len(e) > 5 and e[1] == "F" and e[5]:
        v = text(seg, 5, st.ctx.plain)
        line.description = v if line.description is None else f"{line.description} {v}"


def _ack(st: _State, seg: Segment) -> None:
    if st.line is None:
        return
    ctx = st.ctx
    e = seg.elements
    n = len(e)
    code = e[1] if n > 1 else ""
    if not code:
        raise MappingError("line item status code (ACK01) is missing", seg, 1, ctx)
    qty = decimal(seg, 2, "quantity", ctx) if n > 2 else None
    unit = e[3] if qty is not None and n > 3 and e[3] else ""
    when = date(seg, 5, "date", ctx) if n > 5 and e[5] else None
    found: list[ProductId] = []
    if n > 8:
        product_ids(seg, 7, 26, found)
    st.acks.append((from_code(LINE_STATUSES, code), qty, unit_in(unit) if unit else None,
                    when, found))


def _sch(st: _State, seg: Segment) -> None:
    if st.line is None or st.sch_date is not None:
        return
    st.sch_date = date(seg, 6, "schedule date", st.ctx)


def _dtm(st: _State, seg: Segment) -> None:
    if st.line is None or st.dtm_date is not None:
        return
    if element(seg, 1) in ("068", "067", "017", "002", "010"):
        st.dtm_date = date(seg, 2, "date", st.ctx)


def _ctt(st: _State, seg: Segment) -> None:
    _finish_line(st)
    st.party = None


HANDLERS: Final[dict[str, Callable[[_State, Segment], None]]] = str_keyed({
    "BAK": _bak, "DTM": _dtm,
    "MSG": note_handler(1, _doc), "NTE": note_handler(2, _doc),
    **ADDRESS_HANDLERS,
    "PO1": _po1, "CTP": _ctp, "PID": _pid, "ACK": _ack, "SCH": _sch, "CTT": _ctt,
    **heading_handlers(_doc, "seller"),
})


#: Tags ``read`` calls directly rather than through HANDLERS.
HOT_TAGS: Final = {"PO1": _po1, "ACK": _ack, "PID": _pid}


def read(segments: Iterable[Segment], ctx: MappingContext) -> OrderResponse:
    st = _State(ctx)
    for seg in segments:
        # the line segments are called directly (a native call when compiled); the rest
        # through the table (HOT_TAGS: a test checks the table holds the same functions)
        tag = seg[0]
        if tag == "PO1":
            _po1(st, seg)
        elif tag == "ACK":
            _ack(st, seg)
        elif tag == "PID":
            _pid(st, seg)
        else:
            h = HANDLERS.get(tag)
            if h is not None:
                h(st, seg)
    _finish_line(st)
    if st.doc is None:
        raise MappingError("BAK segment (acknowledgment header) is missing", None, None, ctx)
    st.doc.parties.extend(st.header_parties)
    return st.doc


# --------------------------------------------------------------------------- writing

def _ack_type(doc: OrderResponse) -> str:
    status = doc.status
    if status == "accepted":
        return "AD" if doc.lines else "AK"
    if status == "accepted_with_changes":
        return "AC"
    if status == "rejected":
        return "RD" if doc.lines else "RJ"
    if status.startswith("x12:") and len(status) > 4:
        return status[4:]
    raise EDIError(f"order response status {status!r} has no X12 code (accepted, "
                   f"accepted_with_changes, rejected or 'x12:<code>')")


def write(doc: OrderResponse, version: str) -> list[list]:
    if not doc.order_number:
        raise EDIError("order response: order_number is empty")
    segs: list[list] = [["BAK", purpose_out(doc.purpose), _ack_type(doc), doc.order_number,
                         fmt_date(doc.order_date or doc.date), "", "", "", doc.number,
                         fmt_date(doc.date)]]
    if doc.currency:
        segs.append(["CUR", "SE", doc.currency])
    for ref in doc.references:
        segs.append(reference_segment(ref.qualifier, ref.value))
    if doc.notes:
        segs.append(["N9", "L1", "NOTES"])
        for note in doc.notes:
            segs.append(["MSG", note])
    for p in doc.parties:
        if not is_header_contact(p):
            segs.extend(party_segments(p))
    header_contacts = [p for p in doc.parties if is_header_contact(p)]
    if header_contacts:
        # PER sits before N9/N1 in the 855 header
        at = 1 + (1 if doc.currency else 0) + len(doc.references)
        segs[at:at] = [per_segment(CONTACT_ROLES_OUT[p.role], p.contact)  # type: ignore[arg-type]
                       for p in header_contacts]
    po1_count = 0
    head: Optional[list] = None
    for line in doc.lines:
        segs_head = _po1_segments(line)
        if segs_head != head:
            # a new PO1 unless this line is another status part of the previous one
            # (same line number and the same PO1/PID segments)
            segs.extend(segs_head)
            head = segs_head
            po1_count += 1
        segs.append(_ack_segment(line))
    segs.append(["CTT", str(po1_count)])
    return segs


def _po1_segments(line: ResponseLine) -> list[list]:
    """PO1 and PID segments of a line: what its status parts share."""
    pairs = product_pairs(line.product_ids)
    if len(pairs) > 2 * MAX_PAIRS:
        raise EDIError(f"line {line.line_number}: at most {MAX_PAIRS} product ids in PO1")
    unit = unit_out(line.unit) if line.unit else ""
    if line.ordered_quantity is not None and not unit:
        raise EDIError(f"line {line.line_number}: ordered_quantity needs a unit")
    segs: list[list] = [["PO1", line.line_number, fmt_decimal(line.ordered_quantity),
                         unit if line.ordered_quantity is not None else "",
                         fmt_decimal(line.unit_price), ""] + pairs]
    if line.description:
        for chunk in split_text(line.description, 80, 1000):
            segs.append(["PID", "F", "", "", "", chunk])
    return segs


def _ack_segment(line: ResponseLine) -> list:
    status = line.status
    code = LINE_STATUSES_OUT.get(status)
    if code is None:
        if status.startswith("x12:") and len(status) > 4:
            code = status[4:]
        else:
            raise EDIError(f"line {line.line_number}: status {status!r} has no X12 code")
    unit = unit_out(line.unit) if line.unit else ""
    if line.quantity is not None and not unit:
        raise EDIError(f"line {line.line_number}: quantity needs a unit")
    ack = ["ACK", code, fmt_decimal(line.quantity), unit if line.quantity is not None else ""]
    if line.scheduled_date is not None:
        ack += [SCHEDULE_QUALIFIER, fmt_date(line.scheduled_date)]
    return ack
