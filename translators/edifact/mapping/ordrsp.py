"""ORDRSP (D96A / D01B) <-> canonical OrderResponse.

Header status: BGM 1225 carries either a response code (29 accepted without
amendment, 4 / 34 / 28 / 30 / 45 change, 27 not accepted) -- purpose
original -- or a message function (9, 1, 5, 6) with the response in BGM 4343
(AP accepted, AC / CA with changes, RE rejected).  Without either, the status
follows from the lines.

Line status (X12 855 ACK01 equivalents): LIN 1229 5 -> accepted (IA),
7 -> rejected (IR), 6 accepted with amendment -> changed (IC); 3 changed (or
no action code) is refined by what the line carries, first match wins:
QTY 83 backorder -> backordered (IB), PIA 3/4 substitution -> substituted (IS),
QTY 113 (or 12) different from QTY 21 -> quantity_changed (IQ), DTM 67 current
schedule -> date_changed (DR), then for 1229 = 3 only: PRI -> price_changed
(IP), another delivery date -> date_changed, else changed.  Other 1229 codes
stay raw (``edifact:2``).  The writer produces exactly these signals, so a
line reads back with the status it was written with whenever its fields are
consistent with that status.

Status parts (an X12 PO1 with several ACKs): a LIN whose 1229 gives a fixed
status (5, 6, 7 or a raw code -- not 3 or empty) and that carries both a
committed quantity (QTY 113, else 12 or 131) and a backorder quantity
(QTY 83) reads as two ResponseLines: the delivered part (its status from
1229, quantity from QTY 113) and a ``backordered`` part (quantity and unit from
QTY 83, scheduled date from DTM 191 "delivery date/time, expected"), both with
the LIN's number, product ids, description, QTY 21 and price.  A LIN with 1229
3 (or none) and QTY 83 stays one ``backordered`` line: that is how a single
backordered line is written.  The writer joins two consecutive lines into such
a LIN when they share the line number, product ids, description, ordered
quantity, unit price and unit, the second is ``backordered``, the first's
status writes 1229 5 / 6 / 7 / raw, and both carry a quantity; otherwise each
line gets its own LIN as before.
"""
from __future__ import annotations

import datetime as _dt
from decimal import Decimal
from typing import Final, Iterable, Optional

from translators.canonical import OrderResponse, Party, ResponseLine
from translators.edifact.events import Segment
from translators.edifact.mapping.common import (
    EMPTY, Handler, MappingContext, MappingError, comp, date_of, description_segments,
    dispatch_one, dtm, fmt_decimal, from_code, header_rff, imd_text, in_line, invert, item_segments,
    note_handler, note_segments, number, party_handlers, party_segments, product_id,
    reference_from_rff, reference_segment, take_price, to_code, unit_out,
)
from translators.findings import EDIError

#: 1225 codes that state the response (purpose original).
RESPONSE_CODES: Final[dict[str, str]] = {
    "29": "accepted", "4": "accepted_with_changes", "27": "rejected", "44": "accepted",
    "34": "accepted_with_changes", "28": "accepted_with_changes", "30": "accepted_with_changes",
    "45": "accepted_with_changes",
}
RESPONSE_CODES_OUT: Final = invert(RESPONSE_CODES)
#: 1225 message function codes in an ORDRSP (4 is a response code here).
PURPOSES: Final[dict[str, str]] = {"9": "original", "1": "cancellation", "5": "replace",
                            "6": "confirmation"}
PURPOSES_OUT: Final = invert(PURPOSES)
#: BGM 4343 response type code.
RESPONSE_TYPES: Final[dict[str, str]] = {"AP": "accepted", "AC": "accepted_with_changes",
                                  "CA": "accepted_with_changes", "RE": "rejected"}
RESPONSE_TYPES_OUT: Final = invert(RESPONSE_TYPES)

#: LIN 1229 codes with a fixed line status.
LINE_ACTIONS: Final[dict[str, str]] = {"5": "accepted", "7": "rejected", "6": "changed"}
#: Status -> 1229 for the statuses written as 3 (changed) plus signals.
_CHANGED: Final = {"backordered", "substituted", "quantity_changed", "date_changed", "price_changed"}

#: DTM qualifiers giving the scheduled date (lower rank wins).
SCHEDULE_DATES: Final = {"67": 0, "69": 1, "2": 2, "17": 3, "11": 4}
#: DTM qualifier of the backordered part's date (delivery date/time, expected).
BACKORDER_DATE: Final = "191"

_LINE_CHILDREN: Final = frozenset(
    "PIA IMD MEA QTY PCD ALI DTM MOA GIS GIN GIR QVR DOC PAI MTD FTX".split())
_HEAD_CHILDREN: Final = frozenset("PAI ALI IMD FTX GIR".split())
_NAD_CHILDREN: Final = frozenset("LOC FII DOC DTM COM".split())
#: st.last -> segments without a handler that keep that group open.
_KEEP: Final[dict[str, frozenset[str]]] = {
    "LIN": _LINE_CHILDREN, "head": _HEAD_CHILDREN,
    "NAD": _NAD_CHILDREN, "NADRFF": _NAD_CHILDREN, "CTA": _NAD_CHILDREN,
}


class _Line:
    __slots__ = ("line", "seg", "action", "backorder", "substitution", "current_schedule",
                 "price", "prices", "date_rank", "desc", "desc_any", "committed_rank",
                 "backorder_qty", "backorder_unit", "backorder_date")

    def __init__(self, line: ResponseLine, seg: Segment, action: str) -> None:
        self.line = line
        self.seg = seg
        self.action = action
        self.backorder = False
        self.substitution = False
        self.current_schedule = False
        self.prices: dict[str, Decimal] = {}
        self.date_rank = 9
        self.desc: list[str] = []
        self.desc_any: Optional[str] = None
        self.committed_rank = 9
        self.backorder_qty: Optional[Decimal] = None
        self.backorder_unit: Optional[str] = None
        self.backorder_date: Optional[_dt.date] = None


class _State:
    __slots__ = ("ctx", "doc", "party", "cur", "lines", "last", "in_line", "ref_q", "count",
                 "purpose", "function", "response_type", "bgm")

    def __init__(self, ctx: MappingContext) -> None:
        self.ctx = ctx
        self.doc: Optional[OrderResponse] = None
        self.party: Optional[Party] = None
        self.cur: Optional[_Line] = None
        self.lines: list[_Line] = []
        self.last = "head"
        self.in_line = False
        self.ref_q = ""
        self.count = 0
        self.function = ""
        self.response_type = ""
        self.bgm: Optional[Segment] = None


def _doc(st: _State, seg: Segment) -> OrderResponse:
    if st.doc is None:
        raise MappingError("BGM must come before " + seg.tag, seg, None, None, st.ctx)
    return st.doc


def _bgm(st: _State, seg: Segment) -> None:
    number = comp(seg, 2, 0)
    if not number:
        raise MappingError("order response number (1004) is missing", seg, 2, 1, st.ctx, "1004")
    st.doc = OrderResponse(number=number, date=None, order_number="",  # type: ignore[arg-type]
                           status="")
    st.function = comp(seg, 3, 0)
    st.response_type = comp(seg, 4, 0)
    st.bgm = seg
    st.last = "head"


def _dtm(st: _State, seg: Segment) -> None:
    last = st.last
    e = seg.elements
    q = e[1][0] if len(e) > 1 else ""
    if last == "LIN":
        cur = st.cur
        if cur is None:
            return
        if q == BACKORDER_DATE:
            if cur.backorder_date is None:
                cur.backorder_date = date_of(seg, "expected delivery date", st.ctx)
            return
        rank = SCHEDULE_DATES.get(q)
        if rank is not None:
            if rank == 0:
                cur.current_schedule = True
            if rank < cur.date_rank:
                d = date_of(seg, "scheduled date", st.ctx)
                if d is not None:
                    cur.line.scheduled_date = d
                    cur.date_rank = rank
        return
    if last == "head":
        if q == "137" and _doc(st, seg).date is None:
            st.doc.date = date_of(seg, "order response date", st.ctx)  # type: ignore
    elif last == "RFF" and st.ref_q == "ON" and q == "171":
        doc = _doc(st, seg)
        if doc.order_date is None:
            doc.order_date = date_of(seg, "order date", st.ctx)


def _rff(st: _State, seg: Segment) -> None:
    if not header_rff(st):
        return
    q = comp(seg, 1, 0)
    v = comp(seg, 1, 1)
    doc = _doc(st, seg)
    if q == "ON" and v and not doc.order_number:
        doc.order_number = v
        st.ref_q = "ON"
        return
    st.ref_q = q
    ref = reference_from_rff(seg)
    if ref is not None:
        doc.references.append(ref)


def _cux(st: _State, seg: Segment) -> None:
    if st.in_line:
        return
    st.last = "CUX"
    cur = comp(seg, 1, 1)
    doc = _doc(st, seg)
    if cur and comp(seg, 1, 0) in ("2", "") and doc.currency is None:
        doc.currency = cur


def _lin(st: _State, seg: Segment) -> None:
    if st.doc is None:
        _doc(st, seg)
    st.count += 1
    e = seg.elements
    n = len(e)
    number = e[1][0] if n > 1 else ""
    line = ResponseLine(line_number=number or str(st.count), status="")
    if n > 3:
        item = e[3]
        if item[0]:
            line.product_ids.append(product_id(item[0], item[1] if len(item) > 1 else ""))
    cur = _Line(line, seg, e[2][0] if n > 2 else "")
    st.lines.append(cur)
    st.cur = cur
    st.in_line = True
    st.party = None
    st.last = "LIN"


def _pia(st: _State, seg: Segment) -> None:
    cur = st.cur
    if st.last != "LIN" or cur is None:
        return
    code = comp(seg, 1)
    if code in ("3", "4"):
        cur.substitution = True
    elif code not in ("1", "5"):
        return
    if code == "4":
        return  # the product that was replaced
    ids = cur.line.product_ids
    for c212 in seg.elements[2:]:
        if c212 and c212[0]:
            ids.append(product_id(c212[0], c212[1] if len(c212) > 1 else ""))


def _imd(st: _State, seg: Segment) -> None:
    cur = st.cur
    if st.last != "LIN" or cur is None:
        return
    plain, text = imd_text(seg)
    if text is None:
        return
    if plain:
        cur.desc.append(text)
    elif cur.desc_any is None:
        cur.desc_any = text


_COMMITTED: Final = {"113": 0, "12": 1, "131": 2}


def _qty(st: _State, seg: Segment) -> None:
    cur = st.cur
    if st.last != "LIN" or cur is None:
        return
    e = seg.elements
    c186 = e[1] if len(e) > 1 else EMPTY
    n = len(c186)
    q = c186[0]
    v = c186[1] if n > 1 else ""
    line = cur.line
    if q == "21":
        if line.ordered_quantity is None and v:
            line.ordered_quantity = number(v, seg, 1, 1, "ordered quantity", "6060", st.ctx)
    elif q == "83":
        cur.backorder = True
        if v and cur.backorder_qty is None:
            cur.backorder_qty = number(v, seg, 1, 1, "backorder quantity", "6060", st.ctx)
            if n > 2 and c186[2]:
                cur.backorder_unit = c186[2]
    else:
        rank = _COMMITTED.get(q)
        if rank is None or rank >= cur.committed_rank or not v:
            return
        line.quantity = number(v, seg, 1, 1, "quantity to be delivered", "6060", st.ctx)
        cur.committed_rank = rank
    unit = c186[2] if n > 2 else ""
    if unit and line.unit is None:
        line.unit = unit


def _pri(st: _State, seg: Segment) -> None:
    cur = st.cur
    if not st.in_line or cur is None:
        return
    st.last = "PRI"
    take_price(seg, cur.prices, st.ctx)


def _uns(st: _State, seg: Segment) -> None:
    st.in_line = False
    st.cur = None
    st.last = "UNS"


HANDLERS: Final[dict[str, Handler]] = {
    "BGM": _bgm, "DTM": _dtm, "FTX": note_handler(_doc), "RFF": _rff,
    **party_handlers(_doc, in_line), "CUX": _cux, "LIN": _lin, "PIA": _pia, "IMD": _imd,
    "QTY": _qty, "PRI": _pri, "UNS": _uns,
}


def line_status(cur: _Line) -> str:
    action = cur.action
    fixed = LINE_ACTIONS.get(action)
    if fixed is not None:
        return fixed
    if action not in ("3", ""):
        return "edifact:" + action
    line = cur.line
    if cur.backorder:
        return "backordered"
    if cur.substitution:
        return "substituted"
    if (line.quantity is not None and line.ordered_quantity is not None
            and line.quantity != line.ordered_quantity):
        return "quantity_changed"
    if cur.current_schedule:
        return "date_changed"
    if not action:
        return "accepted"
    if cur.prices:
        return "price_changed"
    if line.scheduled_date is not None:
        return "date_changed"
    return "changed"


#: Tags ``read`` calls directly rather than through HANDLERS (a test checks they are the same).
HOT_TAGS: Final = {"LIN": _lin, "PIA": _pia, "IMD": _imd, "QTY": _qty, "PRI": _pri}


def read(segments: Iterable[Segment], ctx: MappingContext) -> OrderResponse:
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
    doc = st.doc
    if doc is None:
        raise MappingError("BGM segment (order response number) is missing", None, None, None,
                           ctx, "1004", tag="BGM")
    if doc.date is None:
        raise MappingError("document date (DTM 137) is missing", None, 1, 1, ctx, "2005",
                           tag="DTM")
    if not doc.order_number:
        raise MappingError("order number (RFF ON) is missing", None, 1, 1, ctx, "1153",
                           tag="RFF")
    for cur in st.lines:
        line = cur.line
        if cur.desc:
            line.description = " ".join(cur.desc)
        elif cur.desc_any is not None:
            line.description = cur.desc_any
        if cur.prices:
            line.unit_price = cur.prices.get("AAA", cur.prices.get("AAB"))
        line.status = line_status(cur)
        doc.lines.append(line)
        if (cur.backorder_qty is not None and cur.committed_rank < 9
                and cur.action not in ("3", "")):
            doc.lines.append(ResponseLine(
                line.line_number, "backordered", cur.backorder_qty,
                cur.backorder_unit or line.unit, line.ordered_quantity, line.unit_price,
                cur.backorder_date, list(line.product_ids), line.description))
    function = st.function
    status = RESPONSE_CODES.get(function)
    if status is not None:
        doc.purpose = "original"
    else:
        if function:
            purpose = PURPOSES.get(function)
            if purpose is None:
                doc.purpose = "original"
                status = "edifact:" + function
            else:
                doc.purpose = purpose
        if status is None and st.response_type:
            status = from_code(RESPONSE_TYPES, st.response_type)
        if status is None:
            states = {line.status for line in doc.lines}
            if not states or states == {"accepted"}:
                status = "accepted"
            elif states == {"rejected"}:
                status = "rejected"
            else:
                status = "accepted_with_changes"
    doc.status = status
    return doc


# --------------------------------------------------------------------------- writing

def _bgm_codes(doc: OrderResponse) -> list[str]:
    status = doc.status
    if doc.purpose == "original":
        if status in RESPONSE_CODES_OUT:
            return [RESPONSE_CODES_OUT[status]]
        if status.startswith("edifact:") and len(status) > 8:
            return [status[8:]]
    function = to_code(PURPOSES_OUT, doc.purpose, "order response purpose")
    return [function, to_code(RESPONSE_TYPES_OUT, status, "order response status")]


def _backorder_quantity(line: ResponseLine) -> Decimal:
    q, o = line.quantity, line.ordered_quantity
    if q is not None and o is not None and o > q:
        return o - q
    if q is not None:
        return q
    if o is not None:
        return o
    return Decimal(0)


def _line_action(line: ResponseLine, what: str) -> str:
    """LIN 1229 for a line's status."""
    status = line.status
    if status in _CHANGED:
        return "3"
    if status in ("accepted", "rejected", "changed"):
        return {"accepted": "5", "rejected": "7", "changed": "6"}[status]
    if status.startswith("edifact:") and len(status) > 8:
        return status[8:]
    raise EDIError(f"{what}: status {status!r} has no EDIFACT code")


def _joins(line: ResponseLine, action: str, nxt: ResponseLine) -> bool:
    """Whether ``nxt`` is written as the backorder part (QTY 83) of ``line``'s LIN."""
    return (nxt.status == "backordered" and action not in ("3", "")
            and line.quantity is not None and nxt.quantity is not None
            and nxt.line_number == line.line_number and nxt.unit == line.unit
            and nxt.ordered_quantity == line.ordered_quantity
            and nxt.unit_price == line.unit_price and nxt.description == line.description
            and nxt.product_ids == line.product_ids)


def write(doc: OrderResponse, directory: str) -> list[list]:
    if not doc.number:
        raise EDIError("order response number is empty")
    if not doc.order_number:
        raise EDIError("order response: order number is empty")
    if doc.date is None:
        raise EDIError("order response date is missing")
    segs: list[list] = [["BGM", "231", doc.number, *_bgm_codes(doc)]]
    segs.append(dtm("137", doc.date))
    segs += note_segments(doc.notes)
    segs.append(["RFF", ["ON", doc.order_number]])
    if doc.order_date:
        segs.append(dtm("171", doc.order_date))
    for ref in doc.references:
        segs.append(reference_segment(ref))
    for party in doc.parties:
        segs += party_segments(party)
    if doc.currency:
        segs.append(["CUX", ["2", doc.currency, "9"]])
    lines = doc.lines
    i = 0
    lin_count = 0
    while i < len(lines):
        line = lines[i]
        what = f"line {line.line_number}"
        if not line.line_number:
            raise EDIError("order response line without a line number")
        action = _line_action(line, what)
        nxt = lines[i + 1] if i + 1 < len(lines) else None
        backorder = nxt if nxt is not None and _joins(line, action, nxt) else None
        status = line.status
        segs += item_segments(line.line_number, line.product_ids, directory, what, action,
                              substituted=status == "substituted")
        if line.description:
            segs += description_segments(line.description, f"{what} description")
        unit = unit_out(line.unit, what) if line.unit else ""
        if line.ordered_quantity is not None:
            segs.append(["QTY", ["21", fmt_decimal(line.ordered_quantity, what), unit]])
        if line.quantity is not None:
            segs.append(["QTY", ["113", fmt_decimal(line.quantity, what), unit]])
        if status == "backordered":
            segs.append(["QTY", ["83", fmt_decimal(_backorder_quantity(line), what), unit]])
        elif backorder is not None and backorder.quantity is not None:  # _joins checked it
            segs.append(["QTY", ["83", fmt_decimal(backorder.quantity, what), unit]])
        if line.scheduled_date is not None:
            segs.append(dtm("67" if status == "date_changed" else "69", line.scheduled_date))
        if backorder is not None and backorder.scheduled_date is not None:
            segs.append(dtm(BACKORDER_DATE, backorder.scheduled_date))
        if line.unit_price is not None:
            segs.append(["PRI", ["AAA", fmt_decimal(line.unit_price, f"{what} price")]])
        i += 1 if backorder is None else 2
        lin_count += 1
    segs.append(["UNS", "S"])
    segs.append(["CNT", ["2", str(lin_count)]])
    return segs
