"""850 Purchase Order <-> canonical PurchaseOrder."""
from __future__ import annotations

from typing import Callable, Final, Iterable, Optional

from translators.canonical import OrderLine, Party, PurchaseOrder
from translators.codes import str_keyed
from translators.findings import EDIError
from translators.x12.events import Segment
from translators.x12.mapping.common import (
    ADDRESS_HANDLERS, CONTACT_ROLES_OUT, PURPOSES, UNITS, date, element, fmt_date,
    fmt_decimal, from_code, heading_handlers, invert, is_header_contact, MappingContext,
    MappingError, note_handler, party_segments, per_segment, product_ids, product_pairs,
    purpose_out, reference_segment, required, required_date, split_text, text, to_code, to_decimal,
    unit_out,
)

#: BEG02 purchase order type (DE 92).
ORDER_TYPES: Final[dict[str, str]] = str_keyed({
    "SA": "standalone", "BK": "blanket", "RL": "release", "DS": "dropship",
})
ORDER_TYPES_OUT: Final = invert(ORDER_TYPES)

#: DTM qualifiers filling requested dates; the first-listed qualifier wins over
#: the fallbacks (037 ship not before, 038 ship no later, 063/064 delivery windows).
DELIVERY_DATES: Final = {"002": 0, "064": 1, "063": 2}
SHIP_DATES: Final = {"010": 0, "037": 1, "038": 2}

MAX_PAIRS: Final = 10  # PO106..PO125


class _State:
    __slots__ = ("ctx", "doc", "party", "line", "header_parties", "delivery_rank", "ship_rank",
                 "line_delivery_rank", "line_ship_rank", "in_detail")

    def __init__(self, ctx: MappingContext) -> None:
        self.ctx = ctx
        self.doc: Optional[PurchaseOrder] = None
        self.party: Optional[Party] = None
        self.line: Optional[OrderLine] = None
        self.header_parties: list[Party] = []
        self.delivery_rank = 9
        self.ship_rank = 9
        self.line_delivery_rank = 9
        self.line_ship_rank = 9
        self.in_detail = False


def _doc(st: _State, seg: Segment) -> PurchaseOrder:
    if st.doc is None:
        raise MappingError("BEG must come before " + seg.tag, seg, None, st.ctx)
    return st.doc


def _beg(st: _State, seg: Segment) -> None:
    ctx = st.ctx
    e = seg.elements
    purpose = element(seg, 1)
    kind = element(seg, 2)
    number = required(seg, 3, "purchase order number", ctx)
    st.doc = PurchaseOrder(
        number=text(seg, 3) or number,
        date=required_date(seg, 5, "purchase order date", ctx),
        purpose=from_code(PURPOSES, purpose) if purpose else "original",
        order_type=from_code(ORDER_TYPES, kind) if kind else "standalone",
        release_number=(e[4] or None) if len(e) > 4 else None,
    )








def _dtm(st: _State, seg: Segment) -> None:
    q = element(seg, 1)
    if st.line is not None:
        _ranked_date(st, seg, q, st.line, "line_delivery_rank", "line_ship_rank")
    elif not st.in_detail:
        _ranked_date(st, seg, q, _doc(st, seg), "delivery_rank", "ship_rank")


def _ranked_date(st: _State, seg: Segment, q: str, target: object, delivery_rank: str,
                 ship_rank: str) -> None:
    """DTM02 becomes the requested delivery or ship date of ``target`` (the line or the
    order) when its qualifier ranks better than the one already taken (e.g. 002
    delivery requested before 010 requested ship; see DELIVERY_DATES/SHIP_DATES)."""
    for table, field, rank_attr in ((DELIVERY_DATES, "requested_delivery_date", delivery_rank),
                                    (SHIP_DATES, "requested_ship_date", ship_rank)):
        rank = table.get(q)
        if rank is not None and rank < getattr(st, rank_attr):
            d = date(seg, 2, "date", st.ctx)
            if d is not None:
                setattr(target, field, d)
                setattr(st, rank_attr, rank)
            return








def _po1(st: _State, seg: Segment) -> None:
    ctx = st.ctx
    doc = st.doc
    if doc is None:
        doc = _doc(st, seg)  # raises: BEG must come first
    st.party = None
    st.in_detail = True
    e = seg.elements
    n = len(e)
    v = e[2] if n > 2 else ""
    qty = to_decimal(v) if v else None
    if qty is None:
        if v:
            raise MappingError(f"quantity ordered (PO102) {v!r} is not a number", seg, 2, ctx)
        raise MappingError("quantity ordered (PO102) is missing", seg, 2, ctx)
    unit = e[3] if n > 3 else ""
    if not unit:
        raise MappingError("unit of measure (PO103) is missing", seg, 3, ctx)
    price = None
    if n > 4:
        v = e[4]
        if v:
            price = to_decimal(v)
            if price is None:
                raise MappingError(f"unit price (PO104) {v!r} is not a number", seg, 4, ctx)
    ids: list = []
    if n > 7:
        product_ids(seg, 6, 25, ids, None, ctx.plain)
    u = UNITS.get(unit)
    line = OrderLine(e[1], qty, u if u is not None else "x12:" + unit, ids, price)
    doc.lines.append(line)
    st.line = line
    st.line_delivery_rank = 9
    st.line_ship_rank = 9


def _pid(st: _State, seg: Segment) -> None:
    line = st.line
    if line is None:
        return
    e = seg.elements
    if len(e) > 5 and e[1] == "F" and e[5]:
        v = text(seg, 5, st.ctx.plain)
        line.description = v if line.description is None else f"{line.description} {v}"


def _ctt(st: _State, seg: Segment) -> None:
    st.line = None
    st.party = None


HANDLERS: Final[dict[str, Callable[[_State, Segment], None]]] = str_keyed({
    "BEG": _beg, "DTM": _dtm,
    "MSG": note_handler(1, _doc), "NTE": note_handler(2, _doc),
    **ADDRESS_HANDLERS,
    "PO1": _po1, "PID": _pid, "CTT": _ctt,
    **heading_handlers(_doc, "buyer"),
})


#: Tags ``read`` calls directly rather than through HANDLERS.
HOT_TAGS: Final = {"PO1": _po1, "PID": _pid}


def read(segments: Iterable[Segment], ctx: MappingContext) -> PurchaseOrder:
    st = _State(ctx)
    for seg in segments:
        # the line segments are called directly (a native call when compiled); the rest
        # through the table (HOT_TAGS: a test checks the table holds the same functions)
        tag = seg[0]
        if tag == "PO1":
            _po1(st, seg)
        elif tag == "PID":
            _pid(st, seg)
        else:
            h = HANDLERS.get(tag)
            if h is not None:
                h(st, seg)
    if st.doc is None:
        raise MappingError("BEG segment (purchase order number and date) is missing",
                           None, None, ctx)
    st.doc.parties.extend(st.header_parties)
    return st.doc


# --------------------------------------------------------------------------- writing

def write(doc: PurchaseOrder, version: str) -> list[list]:
    if not doc.number:
        raise EDIError("purchase order number is empty")
    segs: list[list] = [["BEG", purpose_out(doc.purpose),
                         to_code(ORDER_TYPES_OUT, doc.order_type, "order type"),
                         doc.number, doc.release_number or "", fmt_date(doc.date)]]
    if doc.currency:
        segs.append(["CUR", "BY", doc.currency])
    for ref in doc.references:
        segs.append(reference_segment(ref.qualifier, ref.value))
    header_contacts = [p for p in doc.parties if is_header_contact(p)]
    for p in header_contacts:
        segs.append(per_segment(CONTACT_ROLES_OUT[p.role], p.contact))  # type: ignore[arg-type]
    if doc.requested_delivery_date:
        segs.append(["DTM", "002", fmt_date(doc.requested_delivery_date)])
    if doc.requested_ship_date:
        segs.append(["DTM", "010", fmt_date(doc.requested_ship_date)])
    if doc.notes:
        segs.append(["N9", "L1", "NOTES"])
        for note in doc.notes:
            segs.append(["MSG", note])
    for p in doc.parties:
        if not is_header_contact(p):
            segs.extend(party_segments(p))
    for line in doc.lines:
        pairs = product_pairs(line.product_ids)
        if len(pairs) > 2 * MAX_PAIRS:
            raise EDIError(f"line {line.line_number}: at most {MAX_PAIRS} product ids in PO1")
        segs.append(["PO1", line.line_number, fmt_decimal(line.quantity), unit_out(line.unit),
                     fmt_decimal(line.unit_price), ""] + pairs)
        if line.description:
            for chunk in split_text(line.description, 80, 1000):
                segs.append(["PID", "F", "", "", "", chunk])
        if line.requested_delivery_date:
            segs.append(["DTM", "002", fmt_date(line.requested_delivery_date)])
        if line.requested_ship_date:
            segs.append(["DTM", "010", fmt_date(line.requested_ship_date)])
    segs.append(["CTT", str(len(doc.lines))])
    return segs
