"""ORDERS (D96A / D01B) <-> canonical PurchaseOrder."""
from __future__ import annotations

from decimal import Decimal
from typing import Final, Iterable, Optional

from translators.canonical import OrderLine, Party, PurchaseOrder
from translators.edifact.events import Segment
from translators.edifact.mapping.common import (
    DEFAULT_UNIT, EMPTY, PURPOSES, PURPOSES_OUT, Handler, MappingContext, MappingError, comp,
    date_of, description_segments, dispatch_one, dtm, fmt_decimal, from_code, header_rff,
    imd_text, in_line, invert, item_segments, note_handler, note_segments, number, party_handlers,
    party_segments, product_id, reference_from_rff, reference_segment, required, to_code,
    take_price, unit_out,
)
from translators.findings import EDIError

#: BGM C002 1001 document name code -> order_type.
ORDER_TYPES: Final[dict[str, str]] = {"220": "standalone", "221": "blanket", "226": "release",
                               "105": "standalone"}
ORDER_TYPES_OUT: Final = invert(ORDER_TYPES)

#: DTM 2005 qualifiers filling the requested dates (lower rank wins):
#: 2 delivery requested, 64 earliest, 63 latest delivery; 10 shipment requested.
DELIVERY_DATES: Final = {"2": 0, "64": 1, "63": 2}
SHIP_DATES: Final = {"10": 0}

#: Header and line children that keep the current segment group open.
_LINE_CHILDREN: Final = frozenset(
    "PIA IMD MEA QTY PCD ALI DTM MOA GIS GIN GIR QVR DOC PAI MTD FTX".split())
_HEAD_CHILDREN: Final = frozenset("PAI ALI IMD FTX GIR".split())
_NAD_CHILDREN: Final = frozenset("LOC FII DOC DTM COM".split())
#: st.last -> segments without a handler that keep that group open.
_KEEP: Final[dict[str, frozenset[str]]] = {
    "LIN": _LINE_CHILDREN, "head": _HEAD_CHILDREN,
    "NAD": _NAD_CHILDREN, "NADRFF": _NAD_CHILDREN, "CTA": _NAD_CHILDREN,
}


class _State:
    __slots__ = ("ctx", "doc", "party", "line", "last", "in_line", "delivery_rank", "ship_rank",
                 "line_delivery_rank", "line_ship_rank", "prices", "line_desc", "line_desc_any",
                 "count", "lin_segs", "dated137", "qty_rank")

    def __init__(self, ctx: MappingContext) -> None:
        self.ctx = ctx
        self.doc: Optional[PurchaseOrder] = None
        self.party: Optional[Party] = None
        self.line: Optional[OrderLine] = None
        self.last = "head"  # trigger of the current segment group
        self.in_line = False
        self.delivery_rank = 9
        self.ship_rank = 9
        self.line_delivery_rank = 9
        self.line_ship_rank = 9
        self.prices: dict[str, Decimal] = {}
        self.line_desc: list[str] = []
        self.line_desc_any: Optional[str] = None
        self.count = 0
        self.lin_segs: list[Segment] = []
        self.dated137 = False
        self.qty_rank = 9


def _doc(st: _State, seg: Segment) -> PurchaseOrder:
    if st.doc is None:
        raise MappingError("BGM must come before " + seg.tag, seg, None, None, st.ctx)
    return st.doc


def _bgm(st: _State, seg: Segment) -> None:
    ctx = st.ctx
    kind = comp(seg, 1, 0)
    function = comp(seg, 3, 0)
    st.doc = PurchaseOrder(
        number=required(seg, 2, 0, "order number", "1004", ctx),
        date=None,  # type: ignore[arg-type]  # filled by DTM 137, checked at the end
        purpose=from_code(PURPOSES, function) if function else "original",
        order_type=from_code(ORDER_TYPES, kind) if kind else "standalone",
    )
    st.last = "head"


def _dtm(st: _State, seg: Segment) -> None:
    last = st.last
    e = seg.elements
    q = e[1][0] if len(e) > 1 else ""
    if last == "LIN":
        line = st.line
        assert line is not None
        rank = DELIVERY_DATES.get(q)
        if rank is not None and rank < st.line_delivery_rank:
            d = date_of(seg, "requested delivery date", st.ctx)
            if d is not None:
                line.requested_delivery_date = d
                st.line_delivery_rank = rank
        elif q in SHIP_DATES and st.line_ship_rank:
            d = date_of(seg, "requested ship date", st.ctx)
            if d is not None:
                line.requested_ship_date = d
                st.line_ship_rank = 0
        return
    if last != "head":
        return
    doc = _doc(st, seg)
    if q == "137" or q == "4":  # 4 order date/time: fallback
        if doc.date is None or (q == "137" and not st.dated137):
            d = date_of(seg, "order date", st.ctx)
            if d is not None:
                doc.date = d
                st.dated137 = q == "137"
        return
    rank = DELIVERY_DATES.get(q)
    if rank is not None and rank < st.delivery_rank:
        d = date_of(seg, "requested delivery date", st.ctx)
        if d is not None:
            doc.requested_delivery_date = d
            st.delivery_rank = rank
    elif q in SHIP_DATES and st.ship_rank:
        d = date_of(seg, "requested ship date", st.ctx)
        if d is not None:
            doc.requested_ship_date = d
            st.ship_rank = 0


def _rff(st: _State, seg: Segment) -> None:
    if not header_rff(st):
        return
    ref = reference_from_rff(seg)
    if ref is None:
        return
    doc = _doc(st, seg)
    if ref.qualifier == "edifact:RE" and doc.release_number is None:
        doc.release_number = ref.value
    else:
        doc.references.append(ref)


def _cux(st: _State, seg: Segment) -> None:
    if st.in_line:
        return  # CUX inside the price group
    st.last = "CUX"
    cur = comp(seg, 1, 1)
    if cur and comp(seg, 1, 0) in ("2", "") and _doc(st, seg).currency is None:
        _doc(st, seg).currency = cur


def _finish_line(st: _State) -> None:
    line = st.line
    if line is None:
        return
    if st.line_desc:
        line.description = " ".join(st.line_desc)
    elif st.line_desc_any is not None:
        line.description = st.line_desc_any
    prices = st.prices
    if prices:
        line.unit_price = prices.get("AAA", prices.get("AAB"))
        prices.clear()
    st.line_desc = []
    st.line_desc_any = None


def _lin(st: _State, seg: Segment) -> None:
    if st.line is not None:
        _finish_line(st)
    doc = st.doc
    if doc is None:
        _doc(st, seg)
    st.count += 1
    e = seg[1]
    n = len(e)
    number = e[1][0] if n > 1 else ""
    line = OrderLine(number or str(st.count), None, "")  # type: ignore[arg-type]
    if n > 3:
        item = e[3]
        v = item[0]
        if v:
            line.product_ids.append(product_id(v, item[1] if len(item) > 1 else ""))
    doc.lines.append(line)  # type: ignore[union-attr]
    st.line = line
    st.in_line = True
    st.party = None
    st.last = "LIN"
    st.line_delivery_rank = st.line_ship_rank = st.qty_rank = 9
    st.lin_segs.append(seg)  # for the missing-quantity error


def _pia(st: _State, seg: Segment) -> None:
    if st.last != "LIN":
        return
    line = st.line
    assert line is not None
    e = seg[1]
    if len(e) < 3 or e[1][0] not in ("1", "5", "3"):
        return
    ids = line.product_ids
    for c212 in e[2:]:
        v = c212[0]
        if v:
            ids.append(product_id(v, c212[1] if len(c212) > 1 else ""))


def _imd(st: _State, seg: Segment) -> None:
    if st.last != "LIN":
        return
    plain, text = imd_text(seg)
    if text is None:
        return
    if plain:
        st.line_desc.append(text)
    elif st.line_desc_any is None:
        st.line_desc_any = text


#: QTY 6063: 21 ordered quantity; 1 discrete quantity as a fallback.
_QUANTITIES: Final = {"21": 0, "1": 1}


def _qty(st: _State, seg: Segment) -> None:
    if st.last != "LIN":
        return
    line = st.line
    assert line is not None
    e = seg[1]
    c186 = e[1] if len(e) > 1 else EMPTY
    rank = _QUANTITIES.get(c186[0])
    if rank is not None and rank < st.qty_rank:
        n = len(c186)
        v = c186[1] if n > 1 else ""
        if v:
            line.quantity = number(v, seg, 1, 1, "ordered quantity", "6060", st.ctx)
            line.unit = (c186[2] if n > 2 else "") or DEFAULT_UNIT
            st.qty_rank = rank


def _pri(st: _State, seg: Segment) -> None:
    if not st.in_line:
        return
    st.last = "PRI"
    take_price(seg, st.prices, st.ctx)


def _uns(st: _State, seg: Segment) -> None:
    _finish_line(st)
    st.line = None
    st.in_line = False
    st.last = "UNS"


HANDLERS: Final[dict[str, Handler]] = {
    "BGM": _bgm, "DTM": _dtm, "FTX": note_handler(_doc), "RFF": _rff,
    **party_handlers(_doc, in_line), "CUX": _cux, "LIN": _lin, "PIA": _pia, "IMD": _imd,
    "QTY": _qty, "PRI": _pri, "UNS": _uns,
}


#: Tags ``read`` calls directly rather than through HANDLERS (a test checks they are the same).
HOT_TAGS: Final = {"LIN": _lin, "PIA": _pia, "IMD": _imd, "QTY": _qty, "PRI": _pri}


def read(segments: Iterable[Segment], ctx: MappingContext) -> PurchaseOrder:
    st = _State(ctx)
    for seg in segments:
        # the line segments are called directly (native calls when compiled)
        tag = seg[0]
        if tag == "LIN":
            _lin(st, seg)
        elif tag == "PIA":
            _pia(st, seg)
        elif tag == "IMD":
            _imd(st, seg)
        elif tag == "QTY":
            _qty(st, seg)
        elif tag == "PRI":
            _pri(st, seg)
        else:
            dispatch_one(st, seg, HANDLERS, _KEEP)
    _finish_line(st)
    doc = st.doc
    if doc is None:
        raise MappingError("BGM segment (order number) is missing", None, None, None, ctx,
                           "1004", tag="BGM")
    if doc.date is None:
        raise MappingError("document date (DTM 137) is missing", None, 1, 1, ctx, "2005",
                           tag="DTM")
    for line, pos in zip(doc.lines, st.lin_segs):
        if line.quantity is None:
            raise MappingError(f"line {line.line_number}: ordered quantity (QTY 21) is missing",
                               pos, None, None, ctx, "6063")
    return doc


# --------------------------------------------------------------------------- writing

def write(doc: PurchaseOrder, directory: str) -> list[list]:
    if not doc.number:
        raise EDIError("purchase order number is empty")
    if doc.date is None:
        raise EDIError("purchase order date is missing")
    segs: list[list] = [["BGM", to_code(ORDER_TYPES_OUT, doc.order_type, "order type"),
                         doc.number, to_code(PURPOSES_OUT, doc.purpose, "purpose")]]
    segs.append(dtm("137", doc.date))
    if doc.requested_delivery_date:
        segs.append(dtm("2", doc.requested_delivery_date))
    if doc.requested_ship_date:
        segs.append(dtm("10", doc.requested_ship_date))
    segs += note_segments(doc.notes)
    if doc.release_number:
        segs.append(["RFF", ["RE", doc.release_number]])
    for ref in doc.references:
        segs.append(reference_segment(ref))
    for party in doc.parties:
        segs += party_segments(party)
    if doc.currency:
        segs.append(["CUX", ["2", doc.currency, "9"]])
    for line in doc.lines:
        what = f"line {line.line_number}"
        if not line.line_number:
            raise EDIError("order line without a line number")
        segs += item_segments(line.line_number, line.product_ids, directory, what)
        if line.description:
            segs += description_segments(line.description, f"{what} description")
        segs.append(["QTY", ["21", fmt_decimal(line.quantity, f"{what} quantity"),
                             unit_out(line.unit, what)]])
        if line.requested_delivery_date:
            segs.append(dtm("2", line.requested_delivery_date))
        if line.requested_ship_date:
            segs.append(dtm("10", line.requested_ship_date))
        if line.unit_price is not None:
            segs.append(["PRI", ["AAA", fmt_decimal(line.unit_price, f"{what} price")]])
    segs.append(["UNS", "S"])
    segs.append(["CNT", ["2", str(len(doc.lines))]])
    return segs

