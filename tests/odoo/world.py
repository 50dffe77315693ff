"""A small Odoo world on the test server for the connector tests and bench/odoo.py.

``World(version)`` starts an ``OdooTestServer`` with units, partners (ACME and NORDWERK as
vendors, CORNER as a customer), products with codes, barcodes, vendor codes and tracking, and
helpers to create confirmed purchase orders; ``connector()`` logs in through odoorpc with the
profiles given.  ``signature()`` is the Odoo state a document's effects show up in, without
ids and timestamps, to compare a crashed-and-redelivered run with a clean one.
"""
from __future__ import annotations

import copy
import functools
import hashlib
from pathlib import Path
from typing import Any, Mapping, Optional

import yaml

from gateway.odoo.connector import OdooConnector
from gateway.profiles.model import Profile, build_profile
from tests.odoo.server import OdooTestServer

ROOT = Path(__file__).resolve().parents[2]


def _merge(base: dict, changes: Mapping[str, Any]) -> dict:
    out = copy.deepcopy(base)
    for key, value in changes.items():
        if isinstance(value, Mapping) and isinstance(out.get(key), dict):
            out[key] = _merge(out[key], value)
        else:
            out[key] = copy.deepcopy(value)
    return out


@functools.lru_cache(maxsize=None)
def _shipped(name: str) -> tuple[Path, dict, str]:
    path = ROOT / "partner_profiles" / f"{name}.yaml"
    raw = path.read_bytes()
    return path, yaml.safe_load(raw), hashlib.sha256(raw).hexdigest()


def profile(name: str, **changes: Any) -> Profile:
    """A shipped example profile, optionally changed (nested mappings merge)."""
    path, data, digest = _shipped(name)
    return build_profile(_merge(data, changes), path, digest)


def profiles(**extra: Profile) -> dict[str, Profile]:
    out = {"acme-parts": profile("acme-parts"), "nordwerk": profile("nordwerk"),
           "corner-shop": profile("corner-shop", erp={"partner_id": None, "partner_ref": "CORNER"},
                                  # canonical units are UN/ECE Rec 20: X12 DZ reads as DZN
                                  code_maps={"units": {"DZN": "uom.product_uom_dozen"}})}
    out.update(extra)
    return out


class Profiles:
    """The engine's profile lookup: callable by name, with ``names()``."""

    def __init__(self, items: Mapping[str, Profile]) -> None:
        self.items = dict(items)

    def __call__(self, name: str) -> Optional[Profile]:
        return self.items.get(name)

    def names(self) -> list[str]:
        return sorted(self.items)


class World:
    def __init__(self, version: int, *, delivery_module: bool = False) -> None:
        self.server = OdooTestServer(version, delivery_module=delivery_module)
        o = self.odoo = self.server.odoo
        for model in ("purchase.order", "sale.order", "stock.picking"):
            o.add("ir.model", model=model, name=model)
        self.currency = o.add("res.currency", name="EUR")
        self.unit = o.add("uom.uom", name="Units")
        self.kg = o.add("uom.uom", name="kg")
        self.dozen = o.add("uom.uom", name="Dozens")
        for name, rid in (("product_uom_unit", self.unit), ("product_uom_kgm", self.kg),
                          ("product_uom_dozen", self.dozen)):
            o.add("ir.model.data", module="uom", name=name, model="uom.uom", res_id=rid)
        self.acme = o.add("res.partner", name="ACME Parts", ref="ACME")
        self.nordwerk = o.add("res.partner", name="Nordwerk GmbH", ref="NORDWERK")
        self.corner = o.add("res.partner", name="Corner Shop", ref="CORNER")
        # P0 lot-tracked, P1 serial-tracked, P2 untracked; barcodes 400000000001N
        self.products = []
        for i, tracking in enumerate(("lot", "serial", "none", "none")):
            pid = o.add("product.product", name=f"Part {i}", default_code=f"P{i}",
                        barcode=f"400000000001{i}", product_tmpl_id=100 + i, tracking=tracking)
            self.products.append(pid)
            for vendor, prefix in ((self.acme, "VP"), (self.nordwerk, "NW")):
                o.add("product.supplierinfo", partner_id=vendor, product_tmpl_id=100 + i,
                      product_id=False, product_code=f"{prefix}-{i}", price=55.0)

    def __enter__(self) -> "World":
        self.server.__enter__()
        return self

    def __exit__(self, *exc: Any) -> None:
        self.server.__exit__(*exc)

    def connector(self, items: Optional[Mapping[str, Profile]] = None, **settings: Any) -> OdooConnector:
        return OdooConnector.from_config(
            {"url": self.server.url, "database": "odoo", "user": "edi", "api_key": "env:K",
             **settings},
            profiles=Profiles(items or profiles()), base_dir=ROOT, env={"K": "secret-key"})

    def purchase_order(self, name: str, partner: int, lines: list[tuple[int, float, float]], *,
                       unit: Optional[int] = None, confirm: bool = True) -> int:
        """lines: (product id, quantity, price); planned 2026-12-10."""
        o = self.odoo
        po = o.add("purchase.order", name=name, partner_id=partner, state="draft",
                   date_order="2026-11-28 09:30:00", date_planned="2026-12-10 00:00:00",
                   currency_id=self.currency)
        for seq, (product, qty, price) in enumerate(lines):
            lid = o.add("purchase.order.line", order_id=po, product_id=product,
                        name=f"Part {self.products.index(product)}", product_qty=qty,
                        product_uom=unit or self.unit, price_unit=price,
                        date_planned="2026-12-10 00:00:00", sequence=seq)
            o.data["purchase.order"][po]["order_line"].append(lid)
        if confirm:
            o.confirm_po(po)
        return po

    # ------------------------------------------------------------------ reading back

    def rows(self, _model: str, **where: Any) -> list[dict]:
        return [r for r in self.odoo.data[_model].values()
                if all(r.get(k) == v for k, v in where.items())]

    def receipt(self, po: int) -> dict:
        return next(p for p in self.rows("stock.picking", purchase_id=po) if p["state"] != "done"
                    and p["state"] != "cancel")

    def move_lines(self, picking: int) -> list[tuple]:
        """(product code, quantity, lot name or lot record name) for a picking, sorted."""
        o = self.odoo
        qty = "qty_done" if o.version == 16 else "quantity"
        out = []
        for ml in self.rows("stock.move.line", picking_id=picking):
            lot = ml["lot_name"] or (o.data["stock.lot"][ml["lot_id"]]["name"] if ml["lot_id"] else None)
            out.append((o.data["product.product"][ml["product_id"]]["default_code"], ml[qty] or 0, lot))
        return sorted(out, key=lambda t: (t[0], str(t[2]), t[1]))

    def messages(self, model: str, res_id: int) -> list[str]:
        return [m["body"] for m in self.rows("mail.message", model=model, res_id=res_id)]

    def signature(self) -> dict[str, list]:
        """Every effect a document can have, without ids/timestamps (a crashed-and-redelivered run
        must give the same signature as an uninterrupted one)."""
        o = self.odoo
        d = o.data
        qty = "qty_done" if o.version == 16 else "quantity"

        def name(model: str, rid: Any) -> Any:
            return d[model][rid].get("name") if rid and rid in d[model] else rid

        return {
            "messages": sorted((m["model"], m["res_id"], m["body"]) for m in d["mail.message"].values()),
            "activities": sorted((a["res_model"], a["res_id"], a["summary"]) for a in d["mail.activity"].values()),
            "move_lines": sorted((name("stock.picking", ml["picking_id"]), ml["move_id"],
                                  ml[qty] or 0, ml.get("picked") or False, ml["lot_name"] or "",
                                  name("stock.lot", ml["lot_id"]) or "")
                                 for ml in d["stock.move.line"].values()),
            "moves": sorted((name("stock.picking", m["picking_id"]) or "", m["product_id"],
                             m["product_uom_qty"], m["state"]) for m in d["stock.move"].values()),
            "pickings": sorted((p["name"], p["state"], p["scheduled_date"] or "",
                                p.get("carrier_tracking_ref") or "") for p in d["stock.picking"].values()),
            "po_lines": sorted((l["id"], l["product_qty"], l["price_unit"], l["date_planned"],
                                l["qty_received"] or 0) for l in d["purchase.order.line"].values()),
            "pos": sorted((p["id"], p["partner_ref"] or "", p["state"]) for p in d["purchase.order"].values()),
            "sale_orders": sorted((s["client_order_ref"], s["state"], name("res.partner", s["partner_shipping_id"]),
                                   len(s["order_line"])) for s in d["sale.order"].values()),
            "sale_lines": sorted((l["product_id"], l["product_uom_qty"], l["price_unit"] or 0)
                                 for l in d["sale.order.line"].values()),
            "partners": sorted(p["name"] for p in d["res.partner"].values()),
            "lots": sorted((l["name"], l["product_id"]) for l in d["stock.lot"].values()),
        }


# ---------------------------------------------------------------------- sized documents
# (shared by tests/odoo/test_call_counts.py and bench/odoo.py)

def many_products(w: World, n: int) -> list[int]:
    return [w.odoo.add("product.product", name=f"Bulk {i}", default_code=f"B{i:05d}",
                       barcode=False, product_tmpl_id=10_000 + i, tracking="lot")
            for i in range(n)]


def sized(w: World, kind: str, n: int) -> tuple[str, Any]:
    """(profile name, canonical document) of ``n`` lines for ``kind``: 855, 856 or 850-in;
    the purchase order it needs (P00042, n lines of distinct products) is created."""
    import datetime as dt
    from decimal import Decimal as D

    from translators import canonical as c

    products = many_products(w, n)
    if kind == "850-in":
        return "corner-shop", c.PurchaseOrder("CS-9", dt.date(2026, 12, 1), parties=[
            c.Party("ship_to", "Store 1", "STORE01")], lines=[
                c.OrderLine(str(i + 1), D(2), "EA", [c.ProductId("vendor", f"B{i:05d}")], D("1.5"))
                for i in range(n)])
    o = w.odoo
    po = o.add("purchase.order", name="P00042", partner_id=w.acme, state="draft",
               date_order="2026-11-28 09:30:00", date_planned="2026-12-10 00:00:00")
    for i, p in enumerate(products):
        lid = o.add("purchase.order.line", order_id=po, product_id=p, name=f"Bulk {i}",
                    product_qty=10.0, product_uom=w.unit, price_unit=5.0,
                    date_planned="2026-12-10 00:00:00", sequence=i)
        o.data["purchase.order"][po]["order_line"].append(lid)
    o.confirm_po(po)
    if kind == "855":
        statuses = ("accepted", "quantity_changed", "date_changed", "rejected", "backordered")
        return "acme-parts", c.OrderResponse("V-9", dt.date(2026, 12, 1), "P00042", "accepted_with_changes", lines=[
            c.ResponseLine(str(i + 1), statuses[i % 5], D(0 if i % 5 == 3 else 8 if i % 5 == 1 else 10),
                           unit_price=D("4.5") if i % 5 == 1 else None,
                           scheduled_date=dt.date(2026, 12, 20) if i % 5 in (2, 4) else None)
            for i in range(n)])
    return "acme-parts", c.ShipNotice("ASN-9", dt.date(2026, 12, 2), estimated_delivery_date=dt.date(2026, 12, 4),
                                      orders=[c.ShipmentOrder("P00042", packs=[c.Pack(
                                          sscc="003123450000000017", items=[
                                              c.ShipItem(str(i + 1), D(10), "EA", [c.ProductId("buyer", f"B{i:05d}")],
                                                         lot=f"L{i}") for i in range(n)])])])


def calls_for(version: int, kind: str, n: int, **settings: Any) -> tuple[int, Any]:
    """(execute_kw calls, DeliveryResult) of one delivery of an ``n``-line ``kind`` document."""
    from gateway.connectors.base import Delivery

    with World(version) as w:
        partner, doc = sized(w, kind, n)
        conn = w.connector(**settings)
        before = w.odoo.calls
        result = conn.deliver(Delivery(f"sized-{kind}-{n}", partner, doc))
        return w.odoo.calls - before, result
