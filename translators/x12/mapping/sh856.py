"""856 Ship Notice/Manifest <-> canonical ShipNotice.

Reading follows the HL01/HL02 ids, never the order partners write levels in:
segments are collected per HL node, then the tree is projected onto
shipment -> orders -> packs -> items.  Items not under a pack become
``order.items``; a tare (or any pack) holding packs gives nested
``Pack.packs``.  A pack *above* an order level (pallets of mixed orders,
S-T-O-I) is repeated under each order it holds.  Items with no order level
above them go to one order with an empty number.
"""
from __future__ import annotations

from decimal import Decimal
from typing import Callable, Final, Iterable, Optional, Union

from translators.canonical import Pack, Party, Reference, ShipItem, ShipmentOrder, ShipNotice
from translators.codes import str_keyed
from translators.findings import EDIError
from translators.x12.events import Segment
from translators.x12.mapping.common import (
    ADDRESS_HANDLERS, PURPOSES, REFERENCE_QUALIFIERS, UNITS, MappingContext, MappingError,
    contact_from_per, date, decimal, element, fix_text, fmt_date, fmt_decimal, from_code, invert,
    party_from_n1, party_segments, product_id, product_ids, product_pairs, purpose_out,
    reference_segment, reference_value, required, required_date, required_decimal, split_text,
    text, to_code, to_decimal, unit_in, unit_out,
)

#: TD504 transportation method (DE 91) -> ShipNotice.transport_mode.
TRANSPORT_MODES: Final[dict[str, str]] = str_keyed({
    "M": "road", "A": "air", "R": "rail", "S": "sea", "U": "parcel", "H": "pickup",
})
TRANSPORT_MODES_OUT: Final = invert(TRANSPORT_MODES)

#: TD101 packaging form (first 3 characters of DE 103) -> UN/ECE Rec 21 package type.
PACKAGE_TYPES: Final[dict[str, str]] = str_keyed({
    "CTN": "CT", "PLT": "PX", "BOX": "BX", "BAG": "BG", "CAS": "CS", "DRM": "DR",
    "BDL": "BE", "CRT": "CR", "ROL": "RO", "TBE": "TU", "ENV": "EN", "PKG": "PK",
    "TOT": "TO", "SKD": "SK", "CNT": "CN",
})
PACKAGE_TYPES_OUT: Final = invert(PACKAGE_TYPES)

MAX_LIN_PAIRS: Final = 15  # LIN02..LIN31


#: ``_Node.kind``: the level codes the mapping acts on, as small ints (compared natively)
_K_OTHER: Final = 0  # S, or a level code the canonical model has no place for
_K_ITEM: Final = 1  # I
_K_PACK: Final = 2  # P (pack) or T (tare)
_K_ORDER: Final = 3  # O


class _Node:
    __slots__ = ("seg", "hl_id", "parent", "level", "kind", "obj", "has_qty", "path", "index",
                 "up", "box")

    def __init__(self, seg: Segment, hl_id: str, parent: str, level: str, kind: int,
                 obj: Union[None, ShipmentOrder, Pack, ShipItem], index: int) -> None:
        self.seg = seg
        self.hl_id = hl_id
        self.parent = parent
        self.level = level
        self.kind = kind
        self.obj = obj
        self.has_qty = False
        #: its ancestors from the root down to its parent (set by _paths; siblings share it;
        #: never the node itself, so nodes and paths hold no reference cycle)
        self.path: Optional[list[_Node]] = None
        #: its place in _State.nodes (document order)
        self.index = index
        #: set by _place_simple: the parent node, and the box (order or pack) the node's
        #: children go into; parents never point at their children, so no cycle either
        self.up: Optional[_Node] = None
        self.box: Union[None, ShipmentOrder, Pack] = None


class _State:
    __slots__ = ("ctx", "doc", "node", "nodes", "by_id", "party")

    def __init__(self, ctx: MappingContext) -> None:
        self.ctx = ctx
        self.doc: Optional[ShipNotice] = None
        self.node: Optional[_Node] = None
        self.nodes: list[_Node] = []
        self.by_id: dict[str, _Node] = {}
        self.party: Optional[Party] = None


def _doc(st: _State, seg: Segment) -> ShipNotice:
    if st.doc is None:
        raise MappingError("BSN must come before " + seg.tag, seg, None, st.ctx)
    return st.doc


def _level(st: _State) -> str:
    node = st.node
    return "" if node is None else node.level  # "" = header, before the first HL


def _bsn(st: _State, seg: Segment) -> None:
    ctx = st.ctx
    purpose = element(seg, 1)
    number = required(seg, 2, "shipment identification", ctx)
    st.doc = ShipNotice(number=text(seg, 2) or number,
                        date=required_date(seg, 3, "shipment notice date", ctx),
                        purpose=from_code(PURPOSES, purpose) if purpose else "original")


def _hl(st: _State, seg: Segment) -> None:
    # hot: one per level; the checks of ``required`` are inlined (same messages)
    if st.doc is None:
        _doc(st, seg)
    e = seg[1]
    n = len(e)
    hl_id = e[1] if n > 1 else ""
    if not hl_id:
        raise MappingError("hierarchical id (HL01) is missing", seg, 1, st.ctx)
    level = e[3] if n > 3 else ""
    if not level:
        if hl_id in st.by_id:  # the duplicate is reported first, as for a valid level
            raise MappingError(f"hierarchical id {hl_id!r} used twice", seg, 1, st.ctx)
        raise MappingError("hierarchical level code (HL03) is missing", seg, 3, st.ctx)
    obj: Union[None, ShipmentOrder, Pack, ShipItem]
    if level == "I":
        obj = ShipItem(None, _ZERO, "")
        kind = _K_ITEM
    elif level == "P" or level == "T":
        obj = Pack()
        kind = _K_PACK
    elif level == "O":
        obj = ShipmentOrder("")
        kind = _K_ORDER
    else:
        obj = None
        kind = _K_OTHER
    node = _Node(seg, hl_id, e[2] if n > 2 else "", level, kind, obj, len(st.nodes))
    if st.by_id.setdefault(hl_id, node) is not node:  # one lookup for the check and the entry
        raise MappingError(f"hierarchical id {hl_id!r} used twice", seg, 1, st.ctx)
    st.nodes.append(node)
    st.node = node
    st.party = None


_ZERO: Final = Decimal(0)  # placeholder quantity until SN1 (an item without SN1 is an error)


def _dtm(st: _State, seg: Segment) -> None:
    node = st.node
    e = seg[1]
    q = e[1] if len(e) > 1 else ""
    if node is not None and node.kind == _K_ITEM:
        if q == "036":
            item: ShipItem = node.obj  # type: ignore[assignment]
            item.expiry_date = date(seg, 2, "expiration date", st.ctx)
        return
    level = "" if node is None else node.level
    if level in ("", "S", "O"):
        doc = _doc(st, seg)
        if q == "011":
            if doc.shipped_date is None:
                doc.shipped_date = date(seg, 2, "shipped date", st.ctx)
        elif q == "017":
            if doc.estimated_delivery_date is None:
                doc.estimated_delivery_date = date(seg, 2, "estimated delivery date", st.ctx)


def _td1(st: _State, seg: Segment) -> None:
    level = _level(st)
    ctx = st.ctx
    if level == "P" or level == "T":
        code = element(seg, 1)
        if code:
            form = code[:3]
            pack: Pack = st.node.obj  # type: ignore[union-attr,assignment]
            pack.package_type = from_code(PACKAGE_TYPES, form)
        return
    if level not in ("", "S"):
        return
    doc = _doc(st, seg)
    count = decimal(seg, 2, "lading quantity", ctx)
    if count is not None and doc.package_count is None:
        doc.package_count = count
    if element(seg, 6) != "N" and doc.gross_weight is None:
        weight = decimal(seg, 7, "weight", ctx)
        if weight is not None:
            doc.gross_weight = weight
            unit = element(seg, 8)
            doc.weight_unit = unit_in(unit) if unit else None


def _td5(st: _State, seg: Segment) -> None:
    if _level(st) not in ("", "S", "O"):
        return
    doc = _doc(st, seg)
    if doc.carrier is None and doc.carrier_name is None and doc.transport_mode is None:
        doc.carrier = text(seg, 3)
        mode = element(seg, 4)
        doc.transport_mode = from_code(TRANSPORT_MODES, mode) if mode else None
        doc.carrier_name = text(seg, 5)


def _ref(st: _State, seg: Segment) -> None:
    level = _level(st)
    q = element(seg, 1)
    value = reference_value(seg)
    if not value or not q:
        return
    if level == "I":
        item = st.node.obj  # type: ignore[union-attr]
        if q == "LT" and item.lot is None:  # type: ignore[union-attr]
            item.lot = value  # type: ignore[union-attr]
        elif q == "SE":
            item.serials.append(value)  # type: ignore[union-attr]
        return
    if level not in ("", "S", "O") or st.party is not None:
        return
    doc = _doc(st, seg)
    if q == "BM" and doc.bill_of_lading is None:
        doc.bill_of_lading = value
    elif q == "CN" and doc.tracking_number is None:
        doc.tracking_number = value
    elif level != "O":
        doc.references.append(Reference(from_code(REFERENCE_QUALIFIERS, q), value))


def _prf(st: _State, seg: Segment) -> None:
    if _level(st) != "O":
        return
    order = st.node.obj  # type: ignore[union-attr]
    order.order_number = required(seg, 1, "purchase order number", st.ctx)  # type: ignore[union-attr]
    order.order_date = date(seg, 4, "purchase order date", st.ctx)  # type: ignore[union-attr]


def _man(st: _State, seg: Segment) -> None:
    node = st.node
    if node is None:
        return
    e = seg[1]
    n = len(e)
    if node.kind == _K_PACK and n > 1 and e[1] == "GM":
        value = e[2] if n > 2 else ""
        pack: Pack = node.obj  # type: ignore[assignment]
        if value and pack.sscc is None:
            pack.sscc = value


def _lin(st: _State, seg: Segment) -> None:
    node = st.node
    if node is None or node.kind != _K_ITEM:
        return
    item: ShipItem = node.obj  # type: ignore[assignment]
    e = seg[1]
    n = len(e)
    if n > 1 and e[1]:
        item.line_number = e[1]
    # LIN02..LIN31 pairs: LT lot (the first one, unless the item has one), SN serials, ids
    if n > 32:
        n = 32
    ids = item.product_ids
    keep_lot = item.lot is None
    plain = st.ctx.plain
    for i in range(2, n - 1, 2):
        q = e[i]
        v = e[i + 1]
        if not v or not q:
            continue
        if not plain and not v.isascii():
            v = fix_text(v)
        if q == "LT":
            if keep_lot:
                item.lot = v
                keep_lot = False
        elif q == "SN":
            item.serials.append(v)
        else:
            ids.append(product_id(q, v))


def _sln(st: _State, seg: Segment) -> None:
    if _level(st) != "I":
        return
    item: ShipItem = st.node.obj  # type: ignore[union-attr,assignment]
    extra: dict[str, list[str]] = {"LT": [], "SN": []}
    product_ids(seg, 9, 28, [], extra)
    if extra["LT"] and item.lot is None:
        item.lot = extra["LT"][0]
    item.serials.extend(extra["SN"])


def _sn1(st: _State, seg: Segment) -> None:
    node = st.node
    if node is None or node.kind != _K_ITEM:
        return
    ctx = st.ctx
    item: ShipItem = node.obj  # type: ignore[assignment]
    e = seg[1]
    n = len(e)
    if item.line_number is None and n > 1 and e[1]:
        item.line_number = e[1]
    v = e[2] if n > 2 else ""
    qty = to_decimal(v) if v else None
    if qty is None:  # the exact error of required_decimal
        qty = required_decimal(seg, 2, "number of units shipped", ctx)
    item.quantity = qty
    unit = e[3] if n > 3 else ""
    if not unit:
        raise MappingError("unit of measure (SN103) is missing", seg, 3, ctx)
    u = UNITS.get(unit)
    item.unit = u if u is not None else "x12:" + unit
    if n > 5 and e[5]:
        item.ordered_quantity = decimal(seg, 5, "quantity ordered", ctx)
    else:
        item.ordered_quantity = None
    node.has_qty = True


def _pid(st: _State, seg: Segment) -> None:
    if _level(st) != "I":
        return
    e = seg.elements
    if len(e) > 5 and e[1] == "F" and e[5]:
        item: ShipItem = st.node.obj  # type: ignore[union-attr,assignment]
        v = text(seg, 5, st.ctx.plain)
        item.description = v if item.description is None else f"{item.description} {v}"


def _n1(st: _State, seg: Segment) -> None:
    if _level(st) in ("", "S", "O"):
        party = party_from_n1(seg)
        _doc(st, seg).parties.append(party)
        st.party = party
    else:
        st.party = None





def _per(st: _State, seg: Segment) -> None:
    if st.party is not None:
        st.party.contact = contact_from_per(seg)


HANDLERS: Final[dict[str, Callable[[_State, Segment], None]]] = str_keyed({
    "BSN": _bsn, "HL": _hl, "DTM": _dtm, "TD1": _td1, "TD5": _td5, "REF": _ref, "PRF": _prf,
    "MAN": _man, "LIN": _lin, "SLN": _sln, "SN1": _sn1, "PID": _pid,
    "N1": _n1, **ADDRESS_HANDLERS, "PER": _per,
})


def _through(up: _Node, through: dict[str, list[_Node]]) -> list[_Node]:
    """up's path plus up itself: the path of up's children (one list for all of them)."""
    path = through.get(up.hl_id)
    if path is None:
        path = up.path + [up]  # type: ignore[operator]
        through[up.hl_id] = path
    return path


def _paths(st: _State, ctx: MappingContext) -> None:
    """Set every node's ``path``: its ancestors from the root down to its parent.
    Siblings share one list (nothing modifies them)."""
    by_id = st.by_id
    root: list[_Node] = []
    through: dict[str, list[_Node]] = {}  # hl id -> its path plus itself, once computed
    for node in st.nodes:
        if node.path is not None:
            continue
        # the usual order: a root, or a parent already placed
        if not node.parent:
            node.path = root
            continue
        up = by_id.get(node.parent)
        if up is not None and up is not node and up.path is not None:
            node.path = _through(up, through)
            continue
        pending = [node]
        seen = {node.hl_id}
        base: list[_Node] = []
        cur = node
        while cur.parent:
            up = by_id.get(cur.parent)
            if up is None:
                raise MappingError(f"parent id {cur.parent!r} names no HL segment",
                                   cur.seg, 2, ctx)
            if up.path is not None:
                base = _through(up, through)
                break
            if up.hl_id in seen:
                raise MappingError(f"HL parent ids form a cycle at {cur.parent!r}",
                                   cur.seg, 2, ctx)
            seen.add(up.hl_id)
            pending.append(up)
            cur = up
        for n in reversed(pending):
            n.path = base
            if n is not node:
                base = base + [n]
                through[n.hl_id] = base


def _container(path: list[_Node], order_key: str, order: ShipmentOrder, below_from: int,
               placed: dict[tuple[str, str], Pack]) -> Union[ShipmentOrder, Pack]:
    """The box (the order or a pack in it) that the packs of path lead to, made as needed:
    a pack below the order (idx > below_from) is itself, one above it a copy per order."""
    box: Union[ShipmentOrder, Pack] = order
    for idx in range(len(path)):
        n = path[idx]
        level = n.level
        if level != "P" and level != "T":
            continue
        key = (order_key, n.hl_id)
        pack = placed.get(key)
        if pack is None:
            src: Pack = n.obj  # type: ignore[assignment]
            pack = src if idx > below_from else Pack(sscc=src.sscc,
                                                     package_type=src.package_type)
            box.packs.append(pack)
            placed[key] = pack
        box = pack
    return box


def _no_prf(node: _Node, ctx: MappingContext) -> MappingError:
    return MappingError("order level without PRF purchase order number", node.seg, 3, ctx)


def _no_sn1(node: _Node, ctx: MappingContext) -> MappingError:
    return MappingError("item level without SN1 quantity shipped", node.seg, 3, ctx)


def _place_simple(st: _State, doc: ShipNotice) -> bool:
    """Place the levels in one pass when the hierarchy has the usual shape: every HL's
    parent comes before it, and no pack or tare stands above an order.  Then each order,
    pack and item goes, in document order, into the box of its parent (an order or pack
    is its own box; any other level passes its parent's on; no box: the loose order),
    which is what ``_build`` makes of such a hierarchy.  False, with nothing placed and
    nothing raised, for any other shape (``_build`` then decides, errors included)."""
    by_id = st.by_id
    nodes = st.nodes
    error: Optional[MappingError] = None
    for node in nodes:
        pbox: Union[None, ShipmentOrder, Pack] = None
        up: Optional[_Node] = None
        if node.parent:
            up = by_id.get(node.parent)
            if up is None or up.index >= node.index:
                return False  # a parent named later, or never: _build says which
            pbox = up.box
        node.up = up
        kind = node.kind
        if kind == _K_ORDER:
            if pbox is not None and not isinstance(pbox, ShipmentOrder):
                return False  # a pack above an order: repeated under each order it holds
            order: ShipmentOrder = node.obj  # type: ignore[assignment]
            node.box = order
            if error is None and not order.order_number:
                error = _no_prf(node, st.ctx)
        elif kind == _K_PACK:
            node.box = node.obj  # type: ignore[assignment]
        else:
            node.box = pbox
            if kind == _K_ITEM and error is None and not node.has_qty:
                error = _no_sn1(node, st.ctx)
    if error is not None:
        raise error
    loose: Optional[ShipmentOrder] = None
    for node in nodes:
        kind = node.kind
        if kind == _K_OTHER:
            continue
        if kind == _K_ORDER:
            doc.orders.append(node.obj)  # type: ignore[arg-type]
            continue
        up = node.up
        box = up.box if up is not None else None
        if box is None:
            if loose is None:
                loose = ShipmentOrder(order_number="")
                doc.orders.append(loose)
            box = loose
        if kind == _K_ITEM:
            box.items.append(node.obj)  # type: ignore[arg-type]
        else:
            box.packs.append(node.obj)  # type: ignore[arg-type]
    return True


def _build(st: _State, doc: ShipNotice) -> None:
    """Place the levels of any hierarchy (parents in any order, packs above orders)."""
    ctx = st.ctx
    placed: dict[tuple[str, str], Pack] = {}
    loose: Optional[ShipmentOrder] = None
    above_orders: set[str] = set()  # ids of nodes that have an order below them
    _paths(st, ctx)
    nodes = st.nodes
    for node in nodes:
        level = node.level
        if level == "O":
            for n in node.path:  # type: ignore[union-attr]
                above_orders.add(n.hl_id)
            if not node.obj.order_number:  # type: ignore[union-attr]
                raise _no_prf(node, ctx)
        elif level == "I" and not node.has_qty:
            raise _no_sn1(node, ctx)

    last_path: Optional[list[_Node]] = None  # the last item's path and box: its siblings'
    last_box: Union[None, ShipmentOrder, Pack] = None
    for node in nodes:
        level = node.level
        if level == "O":
            doc.orders.append(node.obj)  # type: ignore[arg-type]
            continue
        is_item = level == "I"
        if not is_item and level != "P" and level != "T":
            continue
        path: list[_Node] = node.path  # type: ignore[assignment]
        if is_item and path is last_path:  # same path, same box (container is settled)
            last_box.items.append(node.obj)  # type: ignore[union-attr,arg-type]
            continue
        order_at = -1
        for idx in range(len(path) - 1, -1, -1):
            if path[idx].level == "O":
                order_at = idx
                break
        if order_at >= 0:
            order_node = path[order_at]
            order_key = order_node.hl_id
            order: ShipmentOrder = order_node.obj  # type: ignore[assignment]
        else:
            if not is_item and node.hl_id in above_orders:
                continue  # placed under each order below it, through that order's items
            if loose is None:
                loose = ShipmentOrder(order_number="")
                doc.orders.append(loose)
            order_key, order = "", loose
        if is_item:
            box = _container(path, order_key, order, order_at, placed)
            box.items.append(node.obj)  # type: ignore[arg-type]
            last_path, last_box = path, box
        else:
            _container(path + [node], order_key, order, order_at, placed)


_TAG_HL: Final = "HL"
_TAG_LIN: Final = "LIN"
_TAG_SN1: Final = "SN1"
_TAG_DTM: Final = "DTM"
_TAG_MAN: Final = "MAN"

#: Tags ``read`` calls directly rather than through HANDLERS.
HOT_TAGS: Final = {"HL": _hl, "LIN": _lin, "SN1": _sn1, "DTM": _dtm, "MAN": _man}


def read(segments: Iterable[Segment], ctx: MappingContext) -> ShipNotice:
    return read_levels(segments, ctx, True)


def read_levels(segments: Iterable[Segment], ctx: MappingContext, simple: bool) -> ShipNotice:
    """``read``; ``simple``: try the one-pass placement of the usual hierarchy shapes first
    (tests compare it with ``_build`` by passing False)."""
    st = _State(ctx)
    for seg in segments:
        # the hierarchy's segments are called directly (a native call when compiled); the
        # rest through the table (HOT_TAGS: a test checks the table holds the same functions)
        # (``is``: the reader's tags are interned, the very objects of these constants; a tag
        # that is not, from another tokenizer, goes through the table with the same result)
        tag = seg[0]
        if tag is _TAG_HL:
            _hl(st, seg)
        elif tag is _TAG_LIN:
            _lin(st, seg)
        elif tag is _TAG_SN1:
            _sn1(st, seg)
        elif tag is _TAG_DTM:
            _dtm(st, seg)
        elif tag is _TAG_MAN:
            _man(st, seg)
        else:
            h = HANDLERS.get(tag)
            if h is not None:
                h(st, seg)
    doc = st.doc
    if doc is None:
        raise MappingError("BSN segment (shipment id and date) is missing", None, None, ctx)
    if not (simple and _place_simple(st, doc)):
        _build(st, doc)
    return doc


# --------------------------------------------------------------------------- writing

class _HL:
    __slots__ = ("count",)

    def __init__(self) -> None:
        self.count = 0

    def next(self) -> str:
        self.count += 1
        return str(self.count)


def _item_segments(item: ShipItem, parent: str, hl: _HL, segs: list[list]) -> None:
    segs.append(["HL", hl.next(), parent, "I"])
    pairs = product_pairs(item.product_ids)
    if item.lot is not None:
        pairs += ["LT", item.lot]
    for serial in item.serials:
        pairs += ["SN", serial]
    if len(pairs) > 2 * MAX_LIN_PAIRS:
        raise EDIError(f"item {item.line_number}: at most {MAX_LIN_PAIRS} ids, lots and "
                       f"serials in one LIN")
    if not item.unit:
        raise EDIError(f"item {item.line_number}: unit is empty")
    unit = unit_out(item.unit)
    if pairs:
        segs.append(["LIN", item.line_number or ""] + pairs)
        sn1_id = ""
    else:
        sn1_id = item.line_number or ""
    sn1 = ["SN1", sn1_id, fmt_decimal(item.quantity), unit]
    if item.ordered_quantity is not None:
        sn1 += ["", fmt_decimal(item.ordered_quantity), unit]
    segs.append(sn1)
    if item.description:
        for chunk in split_text(item.description, 80, 1000):
            segs.append(["PID", "F", "", "", "", chunk])
    if item.expiry_date is not None:
        segs.append(["DTM", "036", fmt_date(item.expiry_date)])


def _pack_segments(pack: Pack, parent: str, hl: _HL, segs: list[list]) -> None:
    my_id = hl.next()
    segs.append(["HL", my_id, parent, "T" if pack.packs else "P"])
    if pack.package_type:
        segs.append(["TD1", to_code(PACKAGE_TYPES_OUT, pack.package_type, "package type"), "1"])
    if pack.sscc:
        segs.append(["MAN", "GM", pack.sscc])
    for item in pack.items:
        _item_segments(item, my_id, hl, segs)
    for inner in pack.packs:
        _pack_segments(inner, my_id, hl, segs)


def write(doc: ShipNotice, version: str) -> list[list]:
    if not doc.number:
        raise EDIError("ship notice number is empty")
    segs: list[list] = [["BSN", purpose_out(doc.purpose), doc.number, fmt_date(doc.date),
                         "0000", "0001"]]
    if doc.shipped_date is not None:
        segs.append(["DTM", "011", fmt_date(doc.shipped_date)])
    if doc.estimated_delivery_date is not None:
        segs.append(["DTM", "017", fmt_date(doc.estimated_delivery_date)])
    hl = _HL()
    ship_id = hl.next()
    segs.append(["HL", ship_id, "", "S"])
    if doc.package_count is not None or doc.gross_weight is not None:
        td1 = ["TD1", "", fmt_decimal(doc.package_count)]
        if doc.gross_weight is not None:
            if not doc.weight_unit:
                raise EDIError("ship notice: gross_weight needs weight_unit")
            td1 += ["", "", "", "G", fmt_decimal(doc.gross_weight), unit_out(doc.weight_unit)]
        segs.append(td1)
    if doc.carrier or doc.carrier_name or doc.transport_mode:
        mode = (to_code(TRANSPORT_MODES_OUT, doc.transport_mode, "transport mode")
                if doc.transport_mode else "")
        if not (doc.carrier or mode or doc.carrier_name):
            raise EDIError("ship notice: TD5 needs a carrier, mode or carrier name")
        segs.append(["TD5", "", "2" if doc.carrier else "", doc.carrier or "", mode,
                     doc.carrier_name or ""])
    if doc.bill_of_lading:
        segs.append(["REF", "BM", doc.bill_of_lading])
    if doc.tracking_number:
        segs.append(["REF", "CN", doc.tracking_number])
    for ref in doc.references:
        segs.append(reference_segment(ref.qualifier, ref.value))
    for party in doc.parties:
        segs.extend(party_segments(party))
    for order in doc.orders:
        if not order.order_number:
            raise EDIError("ship notice: an order has an empty order_number")
        order_id = hl.next()
        segs.append(["HL", order_id, ship_id, "O"])
        segs.append(["PRF", order.order_number, "", "", fmt_date(order.order_date)])
        for item in order.items:
            _item_segments(item, order_id, hl, segs)
        for pack in order.packs:
            _pack_segments(pack, order_id, hl, segs)
    segs.append(["CTT", str(hl.count)])
    return segs
