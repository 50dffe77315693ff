"""``profile try``: list the Odoo operations a batch of inbound documents would cause.

``plan(documents, profile)`` takes canonical documents (translators.canonical)
and returns the searches, creates, writes and method calls the engine would
make under the profile's code maps (units, product strategy, locations,
statuses) and business options, writing nothing.  Values that only exist once
an earlier search ran are written as references such as ``$partner`` or
``$product[line 2]``.  Problems the profile would cause (an unmapped unit, a
line no product rule can identify, a document the partner is not expected to
send) are ``Note``s.

``try_file(data, profile, to_documents)`` is the same for file bytes; the
translation from bytes to canonical documents is the ``to_documents``
parameter (the engine pipeline provides it).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Iterable, Mapping, Optional, Sequence

from translators.canonical import (Document, FunctionalAck, OrderResponse, Party,
                                   ProductId, PurchaseOrder, ShipNotice, ShipItem, TYPE_NAMES)
from gateway.profiles.model import Profile, UnitTarget

ERROR = "error"
WARNING = "warning"

#: statuses of order response lines that change the order
_CHANGES = {"quantity_changed", "price_changed", "date_changed", "changed"}
_FLAGGED = {"rejected", "backordered", "substituted"}


@dataclass(frozen=True)
class Operation:
    document: int  # index of the document in the input (0-based)
    action: str  # search | create | write | call | message_post | gateway
    model: str  # Odoo model, or "gateway" for the gateway's own records
    summary: str
    domain: tuple[tuple[str, str, Any], ...] = ()
    values: Mapping[str, Any] = field(default_factory=dict)
    method: Optional[str] = None
    ref: Optional[str] = None  # name later operations use for the result ($partner...)

    def describe(self) -> str:
        head = f"[{self.document + 1}] {self.action} {self.model}"
        if self.method:
            head += f".{self.method}"
        parts = [head, self.summary]
        if self.domain:
            parts.append("domain " + repr(list(self.domain)))
        if self.values:
            parts.append("values " + repr(dict(self.values)))
        if self.ref:
            parts.append(f"-> {self.ref}")
        return "  ".join(parts)


@dataclass(frozen=True)
class Note:
    document: int
    severity: str  # error | warning
    message: str

    def describe(self) -> str:
        return f"[{self.document + 1}] {self.severity}: {self.message}"


@dataclass(frozen=True)
class DryRun:
    documents: tuple[Document, ...]
    operations: tuple[Operation, ...]
    notes: tuple[Note, ...]

    @property
    def ok(self) -> bool:
        return not any(n.severity == ERROR for n in self.notes)


class _Planner:
    def __init__(self, profile: Profile, index: int) -> None:
        self.profile = profile
        self.index = index
        self.ops: list[Operation] = []
        self.notes: list[Note] = []
        self._units: dict[str, Optional[str]] = {}

    def op(self, action: str, model: str, summary: str, *, domain: Sequence[tuple[str, str, Any]] = (),
           values: Optional[Mapping[str, Any]] = None, method: Optional[str] = None,
           ref: Optional[str] = None) -> None:
        self.ops.append(Operation(self.index, action, model, summary, tuple(domain),
                                  dict(values or {}), method, ref))

    def note(self, severity: str, message: str) -> None:
        self.notes.append(Note(self.index, severity, message))

    # ----------------------------------------------------------------- shared lookups

    def partner(self) -> str:
        erp = self.profile.erp
        label = f"ID {erp.partner_id}" if erp.partner_id is not None else f"ref {erp.partner_ref!r}"
        self.op("search", "res.partner", f"find the partner by {label}",
                domain=erp.domain(), ref="$partner")
        return "$partner"

    def unit(self, code: Optional[str], where: str) -> Optional[str]:
        if code is None:
            return None
        if code in self._units:
            return self._units[code]
        target: Optional[UnitTarget] = self.profile.code_maps.units.get(code)
        ref: Optional[str]
        if target is None:
            self.note(ERROR, f"{where}: unit {code!r} has no entry in code_maps.units: add "
                             f"`{code}: <Odoo unit XML ID or name>`")
            ref = None
        else:
            ref = f"$uom[{code}]"
            if target.xml_id:
                module, name = target.xml_id.split(".", 1)
                self.op("search", "ir.model.data", f"unit {code} -> {target.xml_id}",
                        domain=[("module", "=", module), ("name", "=", name),
                                ("model", "=", "uom.uom")], ref=ref)
            else:
                self.op("search", "uom.uom", f"unit {code} -> name {target.name!r}",
                        domain=[("name", "=", target.name)], ref=ref)
        self._units[code] = ref
        return ref

    def product(self, ids: Sequence[ProductId], where: str, key: str) -> Optional[str]:
        rules = self.profile.code_maps.products
        usable = [(rule, pid) for rule in rules for pid in ids if pid.scheme == rule.scheme]
        if not usable:
            have = ", ".join(f"{p.scheme}={p.value}" for p in ids) or "no identifier"
            wanted = ", ".join(r.scheme for r in rules) or "no rule (code_maps.products is empty)"
            self.note(ERROR, f"{where}: no product rule applies (the line has {have}; the "
                             f"profile looks for {wanted})")
            return None
        ref = f"$product[{key}]"
        rule, pid = usable[0]
        fallback = "; if not found, then " + ", then ".join(
            f"{r.odoo} by {p.scheme} {p.value!r}" for r, p in usable[1:]) if usable[1:] else ""
        summary = f"{where}: {pid.scheme} {pid.value!r} -> {rule.odoo}{fallback}"
        if rule.odoo == "supplierinfo":
            self.op("search", "product.supplierinfo", summary,
                    domain=[("product_code", "=", pid.value), ("partner_id", "=", "$partner")],
                    ref=ref)
        else:
            self.op("search", "product.product", summary, domain=[(rule.odoo, "=", pid.value)],
                    ref=ref)
        return ref

    def location(self, parties: Sequence[Party], role: str) -> Optional[tuple[str, Optional[str]]]:
        for party in parties:
            if party.role != role or not party.id:
                continue
            target = self.profile.code_maps.locations.get(party.id)
            if target is None:
                self.note(WARNING, f"{role} {party.id!r} has no entry in code_maps.locations: "
                                   "Odoo's default warehouse is used")
                return None
            self.op("search", "stock.warehouse", f"{role} {party.id} -> warehouse "
                    f"{target.warehouse}", domain=[("code", "=", target.warehouse)],
                    ref="$warehouse")
            pt_ref = None
            if target.picking_type:
                pt_ref = "$picking_type"
                if "." in target.picking_type and " " not in target.picking_type:
                    module, name = target.picking_type.split(".", 1)
                    self.op("search", "ir.model.data", f"operation type {target.picking_type}",
                            domain=[("module", "=", module), ("name", "=", name),
                                    ("model", "=", "stock.picking.type")], ref=pt_ref)
                else:
                    self.op("search", "stock.picking.type",
                            f"operation type {target.picking_type!r}",
                            domain=[("name", "=", target.picking_type),
                                    ("warehouse_id", "=", "$warehouse")], ref=pt_ref)
            return "$warehouse", pt_ref
        return None

    def status(self, code: str, where: str) -> str:
        if ":" not in code:
            return code
        mapped = self.profile.code_maps.statuses.get(code)
        if mapped is None:
            self.note(WARNING, f"{where}: status {code!r} has no entry in code_maps.statuses: "
                               "it is flagged for a planner")
            return code
        return mapped

    # ----------------------------------------------------------------- documents

    def purchase_order(self, doc: PurchaseOrder) -> None:
        partner = self.partner()
        self.op("search", "sale.order", f"duplicate check for order {doc.number!r}",
                domain=[("client_order_ref", "=", doc.number), ("partner_id", "=", partner)],
                ref="$existing")
        if doc.purpose == "cancellation":
            self.op("call", "sale.order", f"cancel order {doc.number!r}", method="action_cancel",
                    values={"ids": "$existing"})
            return
        if doc.purpose not in ("original", "confirmation"):
            self.op("message_post", "sale.order", f"{doc.purpose} of order {doc.number!r} is "
                    "posted on the existing order for review", values={"id": "$existing"})
            return
        location = self.location(doc.parties, "ship_to")
        lines = []
        for line in doc.lines:
            where = f"line {line.line_number}"
            product = self.product(line.product_ids, where, line.line_number)
            uom = self.unit(line.unit, where)
            values: dict[str, Any] = {"product_id": product, "product_uom_qty": str(line.quantity),
                                      "product_uom": uom}
            if line.unit_price is not None:
                values["price_unit"] = str(line.unit_price)
            if line.description:
                values["name"] = line.description
            lines.append(values)
        header: dict[str, Any] = {"partner_id": partner, "client_order_ref": doc.number,
                                  "date_order": doc.date.isoformat()}
        delivery = doc.requested_delivery_date
        if delivery is not None:
            header["commitment_date"] = delivery.isoformat()
        if location is not None:
            header["warehouse_id"] = location[0]
        header["order_line"] = [[0, 0, v] for v in lines]
        self.op("create", "sale.order", f"quotation for order {doc.number!r} with "
                f"{len(lines)} line{'s' if len(lines) != 1 else ''} (left for review, not "
                "confirmed)", values=header, ref="$sale_order")

    def order_response(self, doc: OrderResponse) -> None:
        rule = self.profile.documents["order_response"]
        partner = self.partner()
        self.op("search", "purchase.order", f"our order {doc.order_number!r}",
                domain=[("name", "=", doc.order_number), ("partner_id", "=", partner)],
                ref="$order")
        self.op("write", "purchase.order", "record the vendor's reference",
                values={"id": "$order", "partner_ref": doc.number})
        header = self.status(doc.status, "header")
        self.op("gateway", "gateway", f"record order response {doc.number!r}: {header}")
        if header == "rejected":
            self.op("message_post", "purchase.order", "the vendor rejected the order",
                    values={"id": "$order"})
            self.op("create", "mail.activity", "ask a planner to act on the rejection",
                    values={"res_model": "purchase.order", "res_id": "$order"})
        if doc.lines:
            self.op("search", "purchase.order.line", "the order's lines, matched by line number",
                    domain=[("order_id", "=", "$order")], ref="$lines")
        for line in doc.lines:
            where = f"line {line.line_number}"
            status = self.status(line.status, where)
            line_ref = f"$lines[{line.line_number}]"
            if line.unit is not None:
                self.unit(line.unit, where)
            if status == "accepted":
                continue
            if status in _CHANGES and rule.changes == "apply":
                values: dict[str, Any] = {"id": line_ref}
                if line.quantity is not None or line.unit_price is not None:
                    # Odoo reprices a quantity written alone: always write both
                    values["product_qty"] = (str(line.quantity) if line.quantity is not None
                                             else f"{line_ref}.product_qty")
                    values["price_unit"] = (str(line.unit_price) if line.unit_price is not None
                                            else f"{line_ref}.price_unit")
                if line.scheduled_date is not None:
                    values["date_planned"] = line.scheduled_date.isoformat()
                self.op("write", "purchase.order.line", f"{where}: apply {status}", values=values)
            else:
                self.op("message_post", "purchase.order", f"{where}: {status} flagged for a "
                        "planner", values={"id": "$order"})
                if status in _FLAGGED or ":" in status:
                    self.op("create", "mail.activity", f"{where}: ask a planner to act",
                            values={"res_model": "purchase.order", "res_id": "$order"})

    def ship_notice(self, doc: ShipNotice) -> None:
        rule = self.profile.documents["ship_notice"]
        self.partner()
        location = self.location(doc.parties, "ship_to")
        if not doc.orders:
            self.note(ERROR, f"ship notice {doc.number!r} names no order")
        for n, order in enumerate(doc.orders, 1):
            oref, pref = f"$order[{n}]", f"$picking[{n}]"
            self.op("search", "purchase.order", f"order {order.order_number!r}",
                    domain=[("name", "=", order.order_number), ("partner_id", "=", "$partner")],
                    ref=oref)
            domain: list[tuple[str, str, Any]] = [("purchase_id", "=", oref),
                                                  ("state", "not in", ["done", "cancel"])]
            if location is not None and location[1] is not None:
                domain.append(("picking_type_id", "=", location[1]))
            else:
                domain.append(("picking_type_code", "=", "incoming"))
            self.op("search", "stock.picking", f"open receipt of order {order.order_number!r}",
                    domain=domain, ref=pref)
            items = list(_items(order))
            for i, item in enumerate(items, 1):
                where = f"order {order.order_number} item {item.line_number or i}"
                key = f"{n}.{item.line_number or i}"
                product = self.product(item.product_ids, where, key)
                self.unit(item.unit, where)
                if rule.receipt == "validate":
                    values: dict[str, Any] = {"quantity (17/18) or qty_done (16)": str(item.quantity)}
                    if item.lot:
                        values["lot_name"] = item.lot
                    self.op("write", "stock.move.line", f"{where}: shipped quantity",
                            domain=[("picking_id", "=", pref), ("product_id", "=", product)],
                            values=values)
            if doc.estimated_delivery_date is not None:
                self.op("write", "stock.picking", "expected arrival",
                        values={"id": pref,
                                "scheduled_date": doc.estimated_delivery_date.isoformat()})
            self.op("message_post", "stock.picking", f"ship notice {doc.number!r}: "
                    f"{len(items)} item{'s' if len(items) != 1 else ''}"
                    + (f", tracking {doc.tracking_number}" if doc.tracking_number else ""),
                    values={"id": pref})
            if rule.receipt == "validate":
                self.op("call", "stock.picking", "validate the receipt (a short quantity "
                        "creates a backorder)", method="button_validate", values={"ids": pref})
        self.op("gateway", "gateway", f"record ship notice {doc.number!r}")

    def functional_ack(self, doc: FunctionalAck) -> None:
        if self.profile.acknowledgments.expect == "none":
            self.note(WARNING, f"a {doc.ack_type} arrived but the profile expects none")
        target = doc.group_control_number or doc.interchange_control_number
        self.op("gateway", "gateway", f"mark our {doc.functional_id or 'interchange'} "
                f"{target} as {doc.status} by {doc.ack_type}")


def _items(order: Any) -> Iterable[ShipItem]:
    yield from order.items
    stack = list(reversed(order.packs))
    while stack:
        pack = stack.pop()
        yield from pack.items
        stack.extend(reversed(pack.packs))


def plan(documents: Iterable[Document], profile: Profile) -> DryRun:
    """The Odoo operations ``documents`` (inbound from ``profile``'s partner) would cause."""
    docs: list[Document] = []
    ops: list[Operation] = []
    notes: list[Note] = []
    for index, doc in enumerate(documents):
        docs.append(doc)
        planner = _Planner(profile, index)
        type_name = TYPE_NAMES.get(type(doc), type(doc).__name__)
        if not profile.enabled:
            planner.note(ERROR, f"profile {profile.name} is disabled: the document would be refused")
        elif isinstance(doc, FunctionalAck):
            planner.functional_ack(doc)
        else:
            rule = profile.documents.get(type_name)
            if rule is None or rule.direction != "receive":
                why = ("is not listed under documents" if rule is None
                       else "is listed with direction: send")
                planner.note(ERROR, f"{type_name} {why}: the partner is not expected to send it; "
                                    f"it would be refused")
            elif isinstance(doc, PurchaseOrder):
                planner.purchase_order(doc)
            elif isinstance(doc, OrderResponse):
                planner.order_response(doc)
            elif isinstance(doc, ShipNotice):
                planner.ship_notice(doc)
        ops.extend(planner.ops)
        notes.extend(planner.notes)
    return DryRun(tuple(docs), tuple(ops), tuple(notes))


def try_file(data: bytes, profile: Profile,
             to_documents: Callable[[bytes], Iterable[Document]]) -> DryRun:
    """Dry run of an inbound file: ``to_documents`` translates its bytes to canonical documents."""
    return plan(to_documents(data), profile)
