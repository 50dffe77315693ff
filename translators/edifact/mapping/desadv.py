"""DESADV (D96A / D01B) <-> canonical ShipNotice.

Packing hierarchy: every CPS group (7164 id, 7166 parent) is a node.  A node
without a parent (or naming itself), without SSCC and without a package type
is the shipment level: its PAC 7224 gives ``package_count`` and its LIN groups
are unpacked items (``ShipmentOrder.items``).  Every other node is a ``Pack``
(SSCC from GIN BJ, type from PAC 7065), nested under its parent's pack; a CPS
listing several SSCCs (identical packages) gives one pack per SSCC.

Orders: header RFF ON (+ DTM 171) lists the orders in their order; RFF ON in a
LIN group names the item's order (a DESADV covering several orders); items
without one belong to the first header order, or to an order with an empty
number when the message names none (as the 856 mapping does).  A top-level pack goes to the
order of the items it holds (split per order when it holds several orders'
items; an empty pack follows the previous pack's order).

Items: LIN/PIA/IMD, QTY 12 despatched (21 ordered), GIN BX or PIA NB lot,
GIN BN or PIA SN serial numbers, DTM 36 expiry (in the LIN group or its PCI
group).  The writer emits CPS 1 (shipment level: package count and unpacked
items), then each order's packs depth first (CPS n+parent, PAC, PCI 33E,
GIN BJ), line RFF ON only when the notice covers several orders.
"""
from __future__ import annotations

import copy
from decimal import Decimal
from typing import Any, Final, Iterable, Optional

from translators.canonical import (
    Pack, Party, ProductId, Reference, ShipItem, ShipmentOrder, ShipNotice,
)
from translators.edifact.events import Segment
from translators.edifact.mapping.common import (
    DEFAULT_UNIT, EMPTY, PARTY_GROUP, PRODUCT_SCHEMES, PURPOSES, PURPOSES_OUT, Handler,
    MappingContext, MappingError, comp, date_of, decimal, description_segments, dispatch_one, dtm,
    fmt_decimal, from_code, imd_text, invert, item_segments, number, party_handlers,
    party_segments, product_id, reference_from_rff, reference_segment, to_code, unit_out,
)
from translators.findings import EDIError

#: TDT C220 8067 mode of transport (UN/ECE Rec 19) -> canonical transport_mode.
TRANSPORT_MODES: Final[dict[str, str]] = {
    "10": "sea", "1": "sea", "20": "rail", "2": "rail", "30": "road", "3": "road",
    "40": "air", "4": "air", "50": "mail", "5": "mail", "80": "inland_water", "8": "inland_water",
}
TRANSPORT_MODES_OUT: Final = invert(TRANSPORT_MODES)

#: Canonical reference qualifier carried by EQD (equipment/container number).
EQUIPMENT: Final = "equipment"

_HEAD_CHILDREN: Final = frozenset("ALI MOA".split())
_NAD_CHILDREN: Final = frozenset("LOC DTM COM".split())
_MAX_HEADER_ORDERS: Final = 10  # SG1 repeats
_MAX_DEPTH: Final = 50  # CPS nesting accepted on input


class _Node:
    """One CPS group."""

    __slots__ = ("id", "parent", "seg", "counts", "types", "ssccs", "entries", "children",
                 "pack", "shipment")

    def __init__(self, ident: str, parent: str, seg: Optional[Segment]) -> None:
        self.id = ident
        self.parent = parent
        self.seg = seg
        self.counts: list[Decimal] = []
        self.types: list[str] = []
        self.ssccs: list[str] = []
        self.entries: list[tuple[str, Any]] = []  # ("item", _Item) | ("node", _Node)
        self.children: list["_Node"] = []
        self.pack: Optional[Pack] = None
        self.shipment = False


class _Item:
    __slots__ = ("item", "seg", "order", "qty_rank", "desc", "desc_any")

    def __init__(self, item: ShipItem, seg: Segment) -> None:
        self.item = item
        self.seg = seg
        self.order = ""
        self.qty_rank = 9
        self.desc: Optional[list[str]] = None  # IMD free texts, made on the first one
        self.desc_any: Optional[str] = None


class _State:
    __slots__ = ("ctx", "doc", "party", "last", "level", "node", "nodes", "order_list",
                 "order_dates", "cur", "items", "ref_q", "line_ref", "tdt", "estimated_rank",
                 "count", "shipped")

    def __init__(self, ctx: MappingContext) -> None:
        self.ctx = ctx
        self.doc: Optional[ShipNotice] = None
        self.party: Optional[Party] = None
        self.last = "head"
        self.level = "head"  # head | cps | line
        self.node: Optional[_Node] = None
        self.nodes: list[_Node] = []
        self.order_list: list[str] = []  # header RFF ON, in order
        self.order_dates: dict[str, object] = {}
        self.cur: Optional[_Item] = None
        self.items: list[_Item] = []
        self.ref_q = ""
        self.line_ref = ""
        self.tdt = False
        self.estimated_rank = 9
        self.count = 0
        self.shipped = None


def _doc(st: _State, seg: Segment) -> ShipNotice:
    if st.doc is None:
        raise MappingError("BGM must come before " + seg.tag, seg, None, None, st.ctx)
    return st.doc


def _bgm(st: _State, seg: Segment) -> None:
    number = comp(seg, 2, 0)
    if not number:
        raise MappingError("despatch advice number (1004) is missing", seg, 2, 1, st.ctx, "1004")
    function = comp(seg, 3, 0)
    st.doc = ShipNotice(number=number, date=None,  # type: ignore[arg-type]
                        purpose=from_code(PURPOSES, function) if function else "original")
    st.last = "head"


_ESTIMATED: Final = {"17": 0, "132": 1}


def _dtm(st: _State, seg: Segment) -> None:
    last = st.last
    e = seg.elements
    q = e[1][0] if len(e) > 1 else ""
    if last in ("LIN", "LPCI"):
        if q == "36" and st.cur is not None and st.cur.item.expiry_date is None:
            st.cur.item.expiry_date = date_of(seg, "expiry date", st.ctx)
        return
    if last == "head":
        doc = _doc(st, seg)
        if q == "137":
            if doc.date is None:
                doc.date = date_of(seg, "despatch advice date", st.ctx)  # type: ignore
        elif q == "11":
            if doc.shipped_date is None:
                doc.shipped_date = date_of(seg, "despatch date", st.ctx)
        else:
            rank = _ESTIMATED.get(q)
            if rank is not None and rank < st.estimated_rank:
                d = date_of(seg, "estimated delivery date", st.ctx)
                if d is not None:
                    doc.estimated_delivery_date = d
                    st.estimated_rank = rank
        return
    if q == "171" and st.ref_q == "ON" and last in ("RFF", "LRFF"):
        d = date_of(seg, "order date", st.ctx)
        if d is not None:
            st.order_dates.setdefault(st.line_ref, d)


def _mea(st: _State, seg: Segment) -> None:
    if st.last != "head":
        return
    doc = _doc(st, seg)
    if comp(seg, 2, 0) == "AAD" and doc.gross_weight is None:
        value = decimal(seg, 3, 1, "gross weight", "6314", st.ctx)
        if value is not None:
            doc.gross_weight = value
            doc.weight_unit = comp(seg, 3, 0) or None


def _rff(st: _State, seg: Segment) -> None:
    e = seg.elements
    c506 = e[1] if len(e) > 1 else EMPTY
    q = c506[0]
    v = c506[1] if len(c506) > 1 else ""
    if st.level == "line":
        st.last = "LRFF"
        st.ref_q = q
        if q == "ON" and v and st.cur is not None:
            st.cur.order = v
            st.line_ref = v
        return
    if st.level == "cps":
        st.last = "other"
        return
    if st.last in PARTY_GROUP:
        st.last = "NADRFF"
        return
    st.last = "RFF"
    st.ref_q = q
    if not v:
        return
    doc = _doc(st, seg)
    if q == "ON":
        if v not in st.order_list:
            st.order_list.append(v)
        st.line_ref = v
    elif q == "BM" and doc.bill_of_lading is None:
        doc.bill_of_lading = v
    elif q == "CN" and doc.tracking_number is None:
        doc.tracking_number = v
    else:
        ref = reference_from_rff(seg)
        if ref is not None:
            doc.references.append(ref)


def _past_head(st: _State) -> bool:
    """In a CPS or LIN group: a NAD there is no document party."""
    return st.level != "head"


def _in_line(st: _State) -> bool:
    """In a LIN group: a CTA there leaves the item's group open."""
    return st.level == "line"


def _tdt(st: _State, seg: Segment) -> None:
    if st.level != "head":
        if st.level == "cps":
            st.last = "other"
        return
    st.last = "TDT"
    if st.tdt:
        return
    st.tdt = True
    doc = _doc(st, seg)
    mode = comp(seg, 3, 0)
    if mode:
        doc.transport_mode = from_code(TRANSPORT_MODES, mode)
    carrier = comp(seg, 5, 0)
    name = comp(seg, 5, 3)
    if carrier:
        doc.carrier = carrier
    if name:
        doc.carrier_name = name


def _eqd(st: _State, seg: Segment) -> None:
    if st.level != "head":
        return
    st.last = "EQD"
    v = comp(seg, 2, 0)
    if v:
        _doc(st, seg).references.append(Reference(EQUIPMENT, v))


def _cps(st: _State, seg: Segment) -> None:
    if st.doc is None:
        _doc(st, seg)
    e = seg.elements
    n = len(e)
    ident = e[1][0] if n > 1 else ""
    parent = e[2][0] if n > 2 else ""
    node = _Node(ident, "" if parent == ident else parent, seg)
    st.nodes.append(node)
    st.node = node
    st.level = "cps"
    st.last = "CPS"
    st.cur = None


def _pac(st: _State, seg: Segment) -> None:
    if st.level != "cps":
        if st.level == "line":
            st.last = "other"
        return
    node = st.node
    assert node is not None
    st.last = "PAC"
    e = seg.elements
    n = len(e)
    v = e[1][0] if n > 1 else ""
    if v:
        node.counts.append(number(v, seg, 1, 0, "number of packages", "7224", st.ctx))
    kind = e[3][0] if n > 3 else ""
    if kind:
        node.types.append(kind)


def _pci(st: _State, seg: Segment) -> None:
    st.last = "LPCI" if st.level == "line" else ("PCI" if st.level == "cps" else "other")


def _gin(st: _State, seg: Segment) -> None:
    last = st.last
    e = seg[1]
    kind = e[1][0] if len(e) > 1 else ""
    if last in ("LIN", "LPCI", "LGIN"):
        cur = st.cur
        if cur is None:
            return
        if last != "LIN":
            st.last = "LGIN"
        item = cur.item
        if kind == "BX":
            v = e[2][0] if len(e) > 2 else ""
            if v and item.lot is None:
                item.lot = v
        elif kind == "BN":
            for c208 in e[2:]:
                for v in c208:
                    if v:
                        item.serials.append(v)
        return
    if last in ("PAC", "PCI", "PGIN") and st.node is not None:
        st.last = "PGIN"
        if kind == "BJ":
            ssccs = st.node.ssccs
            for c208 in e[2:]:
                if c208 and c208[0] and c208[0] not in ssccs:
                    ssccs.append(c208[0])


def _lin(st: _State, seg: Segment) -> None:
    if st.doc is None:
        _doc(st, seg)
    node = st.node
    if node is None:  # LIN outside any CPS group: shipment level
        node = _Node("", "", None)
        st.nodes.append(node)
        st.node = node
    st.count += 1
    e = seg[1]
    n = len(e)
    number = e[1][0] if n > 1 else ""
    item = ShipItem(number or None, None, "")  # type: ignore[arg-type]
    if n > 3:
        c212 = e[3]
        v = c212[0]
        if v:
            kind = c212[1] if len(c212) > 1 else ""
            scheme = _SCHEMES.get(kind)
            item.product_ids.append(ProductId(scheme, v) if scheme is not None
                                    else product_id(v, kind))
    cur = _Item(item, seg)
    st.items.append(cur)
    node.entries.append(("item", cur))
    st.cur = cur
    st.level = "line"
    st.last = "LIN"
    st.party = None


def _pia(st: _State, seg: Segment) -> None:
    cur = st.cur
    if st.last != "LIN" or cur is None:
        return
    e = seg[1]
    if (e[1][0] if len(e) > 1 and e[1] else "") not in ("1", "5", "3"):
        return
    item = cur.item
    for c212 in e[2:]:
        if not c212 or not c212[0]:
            continue
        kind = c212[1] if len(c212) > 1 else ""
        if kind == "NB":
            if item.lot is None:
                item.lot = c212[0]
        elif kind == "SN":
            item.serials.append(c212[0])
        else:
            scheme = _SCHEMES.get(kind)
            item.product_ids.append(ProductId(scheme, c212[0]) if scheme is not None
                                    else product_id(c212[0], kind))


def _imd(st: _State, seg: Segment) -> None:
    cur = st.cur
    if st.last != "LIN" or cur is None:
        return
    plain, text = imd_text(seg)
    if text is None:
        return
    if plain:
        if cur.desc is None:
            cur.desc = [text]
        else:
            cur.desc.append(text)
    elif cur.desc_any is None:
        cur.desc_any = text


_SHIPPED: Final = {"12": 0, "46": 1, "131": 2, "1": 3}


def _qty(st: _State, seg: Segment) -> None:
    cur = st.cur
    if st.last != "LIN" or cur is None:
        return
    e = seg[1]
    c186 = e[1] if len(e) > 1 else EMPTY
    n = len(c186)
    q = c186[0]
    v = c186[1] if n > 1 else ""
    if not v:
        return
    item = cur.item
    if q == "21":
        if item.ordered_quantity is None:
            item.ordered_quantity = number(v, seg, 1, 1, "ordered quantity", "6060", st.ctx)
        return
    rank = _SHIPPED.get(q)
    if rank is None or rank >= cur.qty_rank:
        return
    item.quantity = number(v, seg, 1, 1, "despatch quantity", "6060", st.ctx)
    item.unit = (c186[2] if n > 2 else "") or DEFAULT_UNIT
    cur.qty_rank = rank


HANDLERS: Final[dict[str, Handler]] = {
    "BGM": _bgm, "DTM": _dtm, "MEA": _mea, "RFF": _rff,
    **party_handlers(_doc, _past_head, _in_line),
    "TDT": _tdt, "EQD": _eqd, "CPS": _cps, "PAC": _pac, "PCI": _pci, "GIN": _gin, "LIN": _lin,
    "PIA": _pia, "IMD": _imd, "QTY": _qty,
}
_LINE_CHILDREN: Final = frozenset("PIA IMD MEA QTY ALI GIR DLM FTX MOA NAD TDT TMD HAN".split())
#: st.last -> segments without a handler that keep that group open.
_KEEP: Final[dict[str, frozenset[str]]] = {
    "head": _HEAD_CHILDREN, "NAD": _NAD_CHILDREN, "NADRFF": _NAD_CHILDREN, "CTA": _NAD_CHILDREN,
    "LIN": _LINE_CHILDREN,
}
_SCHEMES: Final = PRODUCT_SCHEMES


def _pack_orders(node: _Node, out: list[str]) -> None:
    for kind, entry in node.entries:
        if kind == "item":
            o = entry.order
            if o not in out:
                out.append(o)
        else:
            _pack_orders(entry, out)


def _build_pack(node: _Node, order: Optional[str], first: bool,
                nodes_of: dict[int, _Node]) -> Optional[Pack]:
    """The Pack for ``node`` holding only ``order``'s items (all when None);
    None when it holds nothing of that order (an empty pack stays with ``first``)."""
    pack = Pack(node.ssccs[0] if node.ssccs else None, node.types[0] if node.types else None)
    nodes_of[id(pack)] = node
    has = False
    for kind, entry in node.entries:
        if kind == "item":
            if order is None or entry.order == order:
                pack.items.append(entry.item)
                has = True
        else:
            child = _build_pack(entry, order, first, nodes_of)
            if child is not None:
                pack.packs.append(child)
                has = True
    if not has and order is not None:
        if not first:
            return None
        found: list[str] = []
        _pack_orders(node, found)
        if found:  # holds other orders' items only
            return None
    return pack


def _expand(packs: list[Pack], nodes_of: dict[int, _Node]) -> list[Pack]:
    """A CPS listing n SSCCs (n identical packages) becomes n packs."""
    out: list[Pack] = []
    for pack in packs:
        pack.packs = _expand(pack.packs, nodes_of)
        out.append(pack)
        node = nodes_of.get(id(pack))
        if node is not None:
            for sscc in node.ssccs[1:]:
                twin = copy.deepcopy(pack)
                twin.sscc = sscc
                out.append(twin)
    return out


#: Tags ``read`` calls directly rather than through HANDLERS (a test checks they are the same).
HOT_TAGS: Final = {"PCI": _pci, "GIN": _gin, "LIN": _lin, "PIA": _pia, "QTY": _qty, "CPS": _cps,
            "PAC": _pac}


def read(segments: Iterable[Segment], ctx: MappingContext) -> ShipNotice:
    st = _State(ctx)
    for seg in segments:
        # the packing and line segments are called directly (native calls when compiled)
        tag = seg[0]
        if tag == "PCI":
            _pci(st, seg)
        elif tag == "GIN":
            _gin(st, seg)
        elif tag == "LIN":
            _lin(st, seg)
        elif tag == "PIA":
            _pia(st, seg)
        elif tag == "QTY":
            _qty(st, seg)
        elif tag == "CPS":
            _cps(st, seg)
        elif tag == "PAC":
            _pac(st, seg)
        else:
            dispatch_one(st, seg, HANDLERS, _KEEP)
    doc = st.doc
    if doc is None:
        raise MappingError("BGM segment (despatch advice number) is missing", None, None, None,
                           ctx, "1004", tag="BGM")
    if doc.date is None:
        doc.date = doc.shipped_date  # type: ignore[assignment]
        if doc.date is None:
            raise MappingError("document date (DTM 137) is missing", None, 1, 1, ctx, "2005",
                               tag="DTM")
    return _assemble(st, doc)


def _assemble(st: _State, doc: ShipNotice) -> ShipNotice:
    ctx = st.ctx
    # items: finish descriptions, check quantities, resolve orders
    default = st.order_list[0] if st.order_list else ""
    for cur in st.items:
        item = cur.item
        if cur.desc:
            item.description = " ".join(cur.desc)
        elif cur.desc_any is not None:
            item.description = cur.desc_any
        if item.quantity is None:
            raise MappingError(f"item {item.line_number or ''}: despatch quantity (QTY 12) is "
                               "missing", cur.seg, None, None, ctx, "6063")
        if not cur.order:
            cur.order = default  # '' when the message names no order at all (as the 856)
    orders: dict[str, ShipmentOrder] = {}
    for order_number in st.order_list:
        orders[order_number] = ShipmentOrder(order_number,
                                             st.order_dates.get(order_number))  # type: ignore
    for cur in st.items:
        if cur.order not in orders:
            date = st.order_dates.get(cur.order)
            orders[cur.order] = ShipmentOrder(cur.order, date)  # type: ignore[arg-type]

    # CPS tree
    by_id: dict[str, _Node] = {}
    for node in st.nodes:
        if node.id and node.id not in by_id:
            by_id[node.id] = node
    for node in st.nodes:
        parent = by_id.get(node.parent) if node.parent else None
        if parent is None and not node.ssccs and not node.types:
            node.shipment = True
    linked: set[int] = set()
    for node in st.nodes:
        if node.shipment:
            if node.counts and doc.package_count is None:
                doc.package_count = node.counts[0]
            for kind, entry in node.entries:
                if kind == "item":
                    orders[entry.order].items.append(entry.item)
            continue
        parent = by_id.get(node.parent) if node.parent else None
        if parent is None or parent.shipment or parent is node:
            continue
        # walk up: a cycle makes this node top-level; a deep chain is refused
        up: Optional[_Node] = parent
        depth = 0
        while up is not None and up is not node and not up.shipment:
            depth += 1
            if depth > _MAX_DEPTH:
                raise MappingError(f"packing hierarchy deeper than {_MAX_DEPTH} levels",
                                   node.seg, 2, 1, ctx, "7166")
            up = by_id.get(up.parent) if up.parent else None
        if up is node:
            continue
        parent.entries.append(("node", node))
        linked.add(id(node))
    tops = [n for n in st.nodes if not n.shipment and id(n) not in linked]
    previous = default
    nodes_of: dict[int, _Node] = {}
    for node in tops:
        found: list[str] = []
        _pack_orders(node, found)
        if not found:
            found = [previous]
            if previous not in orders:
                orders[previous] = ShipmentOrder(previous)
        for i, order_number in enumerate(found):
            only = None if len(found) == 1 else order_number
            pack = _build_pack(node, only, i == 0, nodes_of)
            if pack is not None:
                orders[order_number].packs.append(pack)
        previous = found[-1]
    if any(len(n.ssccs) > 1 for n in st.nodes):
        for order in orders.values():
            order.packs = _expand(order.packs, nodes_of)
    doc.orders = list(orders.values())
    return doc


# --------------------------------------------------------------------------- writing

class _Writer:
    def __init__(self, doc: ShipNotice, directory: str) -> None:
        self.doc = doc
        self.directory = directory
        self.segs: list[list] = []
        self.cps = 0
        self.lines = 0
        self.multi = len(doc.orders) > 1
        self.line_dates = len(doc.orders) > _MAX_HEADER_ORDERS

    def item(self, item: ShipItem, order: ShipmentOrder) -> None:
        segs = self.segs
        what = f"order {order.order_number} item {item.line_number or ''}".rstrip()
        segs += item_segments(item.line_number or "", item.product_ids, self.directory, what)
        self.lines += 1
        if item.description:
            segs += description_segments(item.description, f"{what} description")
        unit = unit_out(item.unit, what)
        segs.append(["QTY", ["12", fmt_decimal(item.quantity, f"{what} quantity"), unit]])
        if item.ordered_quantity is not None:
            segs.append(["QTY", ["21", fmt_decimal(item.ordered_quantity, what), unit]])
        serials = item.serials
        for s in serials:
            if not s:
                raise EDIError(f"{what}: empty serial number")
        for i in range(0, len(serials), 5):
            segs.append(["GIN", "BN", *[[s] for s in serials[i:i + 5]]])
        if self.multi:
            segs.append(["RFF", ["ON", order.order_number]])
            if self.line_dates and order.order_date:
                segs.append(dtm("171", order.order_date))
        if item.lot or item.expiry_date:
            segs.append(["PCI", "36E"])
            if item.expiry_date:
                segs.append(dtm("36", item.expiry_date))
            if item.lot:
                segs.append(["GIN", "BX", item.lot])

    def pack(self, pack: Pack, parent: int, order: ShipmentOrder) -> None:
        self.cps += 1
        me = self.cps
        segs = self.segs
        segs.append(["CPS", str(me), str(parent)])
        if pack.package_type or pack.sscc:
            segs.append(["PAC", "1", "", pack.package_type or ""])
        if pack.sscc:
            segs.append(["PCI", "33E"])
            segs.append(["GIN", "BJ", pack.sscc])
        for item in pack.items:
            self.item(item, order)
        for child in pack.packs:
            self.pack(child, me, order)


def write(doc: ShipNotice, directory: str) -> list[list]:
    if not doc.number:
        raise EDIError("ship notice number is empty")
    if doc.date is None:
        raise EDIError("ship notice date is missing")
    segs: list[list] = [["BGM", "351", doc.number, to_code(PURPOSES_OUT, doc.purpose, "purpose")]]
    segs.append(dtm("137", doc.date))
    if doc.shipped_date:
        segs.append(dtm("11", doc.shipped_date))
    if doc.estimated_delivery_date:
        segs.append(dtm("17", doc.estimated_delivery_date))
    if doc.gross_weight is not None:
        segs.append(["MEA", "WT", "AAD", [doc.weight_unit or "",
                                          fmt_decimal(doc.gross_weight, "gross weight")]])
    numbers = [o.order_number for o in doc.orders]
    if len(numbers) > 1 and not all(numbers):
        raise EDIError("ship notice covering several orders: every order needs a number")
    if len(set(numbers)) != len(numbers):
        raise EDIError("ship notice: the same order number appears twice")
    if len(doc.orders) <= _MAX_HEADER_ORDERS:
        for order in doc.orders:
            if not order.order_number:
                continue  # no order named: items without RFF ON read back to ''
            segs.append(["RFF", ["ON", order.order_number]])
            if order.order_date:
                segs.append(dtm("171", order.order_date))
    if doc.bill_of_lading:
        segs.append(["RFF", ["BM", doc.bill_of_lading]])
    if doc.tracking_number:
        segs.append(["RFF", ["CN", doc.tracking_number]])
    equipment = []
    for ref in doc.references:
        if ref.qualifier == EQUIPMENT:
            equipment.append(ref.value)
        else:
            segs.append(reference_segment(ref))
    for party in doc.parties:
        segs += party_segments(party)
    if doc.carrier or doc.carrier_name or doc.transport_mode:
        mode = to_code(TRANSPORT_MODES_OUT, doc.transport_mode, "transport mode") \
            if doc.transport_mode else ""
        segs.append(["TDT", "20", "", [mode], "",
                     [doc.carrier or "", "", "", doc.carrier_name or ""]])
    for value in equipment:
        if not value:
            raise EDIError("ship notice: empty equipment number")
        segs.append(["EQD", "CN", value])
    w = _Writer(doc, directory)
    w.segs = segs
    has_content = any(o.items or o.packs for o in doc.orders)
    if has_content or doc.package_count is not None:
        w.cps = 1
        segs.append(["CPS", "1"])
        if doc.package_count is not None:
            segs.append(["PAC", fmt_decimal(doc.package_count, "package count")])
        for order in doc.orders:
            for item in order.items:
                w.item(item, order)
        for order in doc.orders:
            for pack in order.packs:
                w.pack(pack, 1, order)
    segs.append(["CNT", ["2", str(w.lines)]])
    return segs
