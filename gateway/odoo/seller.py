"""Seller side outbound: confirmed sale orders -> 855/ORDRSP, validated deliveries -> 856/DESADV.

Mixed into ``OdooConnector``.  Keys: ``sale.order/<id>/confirm`` (the order response),
``sale.order/<id>/cancel`` (a cancellation response, only once the confirmation was sent),
``stock.picking/<id>/done`` (the ship notice).  A key counts as sent once its chatter note
(``SentNotice``) is on the record, so each event leaves once however often it is extracted.
Reads are batched: the number of RPC calls does not grow with orders or lines.

Line numbers: a sale order created from an EDI order carries the order's line numbers,
quantities and units in its creation note (``edi-lines:``); the response and the ship notice
answer with those numbers, say ``quantity_changed`` when the confirmed quantity differs from
the ordered one and ``rejected`` for an ordered line no longer on the sale order.  A sale
order entered by hand is numbered 1, 2, 3... in sequence order.
"""
from __future__ import annotations

import datetime as _dt
import json
import re
from decimal import Decimal
from typing import Any, Iterable, Optional

from gateway.connectors.base import Outbound
from gateway.errors import PermanentError
from gateway.odoo.values import dec as _dec, day as _day, m2o as _m2o, plain as _plain
from gateway.profiles.model import Profile
from translators import canonical as c

_SO_FIELDS = ["name", "partner_id", "partner_shipping_id", "client_order_ref", "state",
              "date_order", "commitment_date", "currency_id"]


def edi_lines(body: str) -> list[list]:
    """The ``edi-lines:`` payload of a creation note: [[number, quantity, unit], ...]."""
    found = re.search(r"edi-lines:(\[.*?\])(?: \[edi-gateway|\s*$)", _plain(body))
    return json.loads(found.group(1)) if found else []


class SellerOutbound:
    """Needs from the host: _sr, _units, _partner_id, _sent_keys, profiles, version."""

    def _customers(self, partners: Iterable[str], doc_type: str) -> dict[int, Profile]:
        out = {}
        for name in partners:
            profile = self.profiles(name)
            rule = profile.documents.get(doc_type) if profile else None
            if profile and rule and rule.direction == "send":
                out[self._partner_id(profile)] = profile
        return out

    def _since(self, model: str, domain: list, marks: dict, mark: str, fields: list[str]) -> list[dict]:
        """Records matching ``domain`` written since ``marks[mark]``, oldest first; moves the mark."""
        if marks.get(mark):
            domain = domain + [("write_date", ">=", marks[mark])]
        rows = self._sr(model, domain, fields + ["write_date"], order="write_date,id")
        if rows:
            marks[mark] = rows[-1]["write_date"]
        return rows

    def _extract_seller(self, partners: list[str], marks: dict) -> list[Outbound]:
        out: list[Outbound] = []
        responders = self._customers(partners, "order_response")
        if responders:
            orders = self._since("sale.order", [("partner_id", "in", sorted(responders)),
                                                ("state", "in", ["sale", "done", "cancel"])],
                                 marks, "so", _SO_FIELDS)
            if orders:
                out.extend(self._so_outbound(orders, responders))
        shippers = self._customers(partners, "ship_notice")
        if shippers:
            picks = self._since("stock.picking", [("picking_type_code", "=", "outgoing"),
                                                  ("state", "=", "done"), ("sale_id", "!=", False)],
                                marks, "out", [])
            if picks:
                out.extend(self._asn_outbound([p["id"] for p in picks], shippers))
        return out

    def _seller_on_demand(self, kind: str, ref: str) -> list[Outbound]:
        if kind in ("response", "855", "ordrsp"):
            orders = self._sr("sale.order", [("name", "=", ref)], _SO_FIELDS)
            if not orders:
                raise PermanentError(f"sale order {ref!r} does not exist in Odoo")
            if orders[0]["state"] not in ("sale", "done", "cancel"):
                raise PermanentError(f"sale order {ref} is {orders[0]['state']}: only a confirmed "
                                     "(or cancelled) order has an order response to send")
            return self._so_outbound(orders, None, force=True)
        picks = self._sr("stock.picking", [("name", "=", ref), ("picking_type_code", "=", "outgoing")],
                         ["state"])
        if not picks:  # a sale order name: all its validated deliveries
            picks = self._sr("stock.picking", [("origin", "=", ref), ("picking_type_code", "=", "outgoing"),
                                               ("state", "=", "done")], ["state"])
        if not picks:
            raise PermanentError(f"no outgoing delivery (or sale order with a validated delivery) "
                                 f"named {ref!r} in Odoo")
        if any(p["state"] != "done" for p in picks):
            raise PermanentError(f"delivery {ref} is not validated yet: a ship notice describes "
                                 "goods that left")
        return self._asn_outbound([p["id"] for p in picks], None, force=True)

    def _customer_profile(self, partner_id: int, known: Optional[dict]) -> Profile:
        if known and partner_id in known:
            return known[partner_id]
        rows = self._sr("res.partner", [("id", "=", partner_id)], ["ref", "name"])
        profile = self._profile_for_partner(rows[0]) if rows else None
        if profile is None:
            raise PermanentError(f"customer {rows[0]['name'] if rows else partner_id} has no "
                                 "partner profile")
        return profile

    def _order_lines(self, so_ids: list[int]) -> tuple[dict[int, list[dict]], dict[int, list]]:
        """Sale order lines per order (products only) and the EDI lines of each creation note."""
        lines = self._sr("sale.order.line", [("order_id", "in", so_ids)],
                         ["order_id", "product_id", "name", "product_uom_qty", "product_uom",
                          "price_unit", "display_type", "sequence"], order="order_id,sequence,id")
        by_order: dict[int, list[dict]] = {}
        for line in lines:
            if not line.get("display_type"):
                by_order.setdefault(_m2o(line["order_id"]), []).append(line)
        notes = self._sr("mail.message", [("model", "=", "sale.order"), ("res_id", "in", so_ids),
                                          ("body", "ilike", "edi-lines:")], ["res_id", "body"],
                         order="id")
        ordered: dict[int, list] = {}
        for note in notes:
            ordered.setdefault(note["res_id"], edi_lines(note["body"]))
        return by_order, ordered

    def _product_codes(self, product_ids: Iterable[int]) -> dict[int, dict]:
        ids = sorted({p for p in product_ids if p})
        return {p["id"]: p for p in self._sr("product.product", [("id", "in", ids)],
                                             ["default_code", "barcode", "name", "tracking"])} if ids else {}

    @staticmethod
    def _ids_for(profile: Profile, product: dict, where: str) -> list[c.ProductId]:
        pids = [c.ProductId(rule.scheme, product[rule.odoo]) for rule in profile.code_maps.products
                if rule.odoo in ("default_code", "barcode") and product.get(rule.odoo)]
        if not pids:
            raise PermanentError(f"{where}: product {product.get('name')!r} has none of the "
                                 f"identifiers {profile.name}'s code_maps.products use")
        return pids

    def _unit_code(self, cache: dict, profile: Profile, uom: Any, hint: Optional[str], where: str) -> str:
        if profile.name not in cache:
            cache[profile.name] = self._units(profile)
        units = cache[profile.name]
        uom_id = _m2o(uom)
        if hint and units.get(hint) == uom_id:
            return hint
        for code, target in units.items():
            if target == uom_id:
                return code
        label = uom[1] if isinstance(uom, (list, tuple)) and len(uom) > 1 else uom_id
        raise PermanentError(f"{where}: Odoo unit {label!r} has no code in {profile.name}'s "
                             "code_maps.units")

    def _so_outbound(self, orders: list[dict], known: Optional[dict], force: bool = False) -> list[Outbound]:
        ids = [o["id"] for o in orders]
        sent = self._sent_keys("sale.order", ids)
        todo = []
        for o in orders:
            event = "cancel" if o["state"] == "cancel" else "confirm"
            if event == "cancel" and (o["id"], "confirm") not in sent:
                continue  # never acknowledged: nothing to take back
            if force or (o["id"], event) not in sent:
                todo.append((o, event))
        if not todo:
            return []
        by_order, ordered = self._order_lines([o["id"] for o, _ in todo])
        products = self._product_codes(_m2o(l["product_id"]) for ls in by_order.values() for l in ls)
        units: dict = {}
        out = []
        for o, event in todo:
            profile = self._customer_profile(_m2o(o["partner_id"]), known)
            edi = ordered.get(o["id"], [])
            lines = by_order.get(o["id"], [])
            rlines = []
            for i, line in enumerate(lines):
                where = f"{o['name']} line {i + 1}"
                number, qty0, unit0 = (edi[i] + [None, None])[:3] if i < len(edi) else (str(i + 1), None, None)
                qty = _dec(line["product_uom_qty"])
                status = "rejected" if event == "cancel" else (
                    "quantity_changed" if qty0 is not None and Decimal(str(qty0)) != qty else "accepted")
                product = products.get(_m2o(line["product_id"]), {"name": line["name"]})
                rlines.append(c.ResponseLine(
                    str(number), status, Decimal(0) if event == "cancel" else qty,
                    self._unit_code(units, profile, line["product_uom"], unit0, where),
                    ordered_quantity=Decimal(str(qty0)) if qty0 is not None else None,
                    unit_price=_dec(line["price_unit"]), scheduled_date=_day(o["commitment_date"]),
                    product_ids=self._ids_for(profile, product, where), description=line["name"] or None))
            for number, qty0, unit0 in edi[len(lines):]:  # ordered, no longer on the sale order
                rlines.append(c.ResponseLine(str(number), "rejected", Decimal(0), unit0,
                                             ordered_quantity=Decimal(str(qty0))))
            status = ("rejected" if event == "cancel" else
                      "accepted" if all(r.status == "accepted" for r in rlines) else "accepted_with_changes")
            doc = c.OrderResponse(
                number=o["name"], date=_day(o["date_order"]) or _dt.date.today(),
                order_number=o["client_order_ref"] or o["name"], status=status,
                purpose="cancellation" if event == "cancel" else "original",
                currency=o["currency_id"][1] if o.get("currency_id") else None, lines=rlines)
            out.append(Outbound(f"sale.order/{o['id']}/{event}", profile.name, doc, {"sale.order": o["id"]}))
        return out

    def _asn_outbound(self, pick_ids: list[int], known: Optional[dict], force: bool = False) -> list[Outbound]:
        sent = self._sent_keys("stock.picking", pick_ids)
        wanted = [p for p in pick_ids if force or (p, "done") not in sent]
        if not wanted:
            return []
        fields = ["name", "sale_id", "partner_id", "date_done", "scheduled_date", "origin"]
        extra = [f for f in ("carrier_tracking_ref", "carrier_id") if f in self._pfields()]
        picks = self._sr("stock.picking", [("id", "in", wanted)], fields + extra, order="id")
        so_ids = sorted({_m2o(p["sale_id"]) for p in picks if p["sale_id"]})
        orders = {o["id"]: o for o in self._sr("sale.order", [("id", "in", so_ids)], _SO_FIELDS)}
        if known is not None:  # extract: only customers whose profile sends ship notices
            picks = [p for p in picks if _m2o(orders[_m2o(p["sale_id"])]["partner_id"]) in known]
            if not picks:
                return []
        qty = "qty_done" if self.version == 16 else "quantity"
        mls = self._sr("stock.move.line", [("picking_id", "in", [p["id"] for p in picks])],
                       ["picking_id", "move_id", "product_id", "product_uom_id", "lot_id", "lot_name", qty],
                       order="id")
        moves = {m["id"]: m for m in self._sr("stock.move", [("id", "in", sorted({_m2o(m["move_id"]) for m in mls}))],
                                              ["sale_line_id", "product_uom_qty"])}
        by_order, ordered = self._order_lines(so_ids)
        line_number = {}  # sale.order.line id -> (EDI line number, ordered quantity, unit)
        for so_id, lines in by_order.items():
            edi = ordered.get(so_id, [])
            for i, line in enumerate(lines):
                line_number[line["id"]] = (edi[i] + [None, None])[:3] if i < len(edi) else [str(i + 1), None, None]
        products = self._product_codes(_m2o(m["product_id"]) for m in mls)
        trackings = {pid: p.get("tracking") for pid, p in products.items()}
        addresses = {a["id"]: a for a in self._sr(
            "res.partner", [("id", "in", sorted({_m2o(p["partner_id"]) for p in picks if p["partner_id"]}))],
            ["name", "ref", "street", "city", "zip"])}
        units: dict = {}
        out = []
        for p in picks:
            so = orders[_m2o(p["sale_id"])]
            profile = self._customer_profile(_m2o(so["partner_id"]), known)
            items: dict[tuple, c.ShipItem] = {}
            for ml in (m for m in mls if _m2o(m["picking_id"]) == p["id"]):
                done = _dec(ml[qty])
                if not done:
                    continue
                move = moves.get(_m2o(ml["move_id"]), {})
                number, qty0, unit0 = line_number.get(_m2o(move.get("sale_line_id")), [None, None, None])
                product_id = _m2o(ml["product_id"])
                where = f"{p['name']} ({so['name']}) line {number or '?'}"
                lot = (ml["lot_id"][1] if isinstance(ml["lot_id"], list) else None) or ml["lot_name"] or None
                serial = trackings.get(product_id) == "serial"
                group = (product_id, number, None if serial else lot)
                item = items.get(group)
                if item is None:
                    item = items[group] = c.ShipItem(
                        str(number) if number else None, Decimal(0),
                        self._unit_code(units, profile, ml["product_uom_id"], unit0, where),
                        self._ids_for(profile, products.get(product_id, {}), where),
                        ordered_quantity=Decimal(str(qty0)) if qty0 is not None else None,
                        lot=None if serial else lot)
                item.quantity += done
                if serial and lot:
                    item.serials.append(lot)
            addr = addresses.get(_m2o(p["partner_id"]), {})
            ship_to = c.Party("ship_to", addr.get("name"), addr.get("ref") or None,
                              "buyer_assigned" if addr.get("ref") else None,
                              [addr["street"]] if addr.get("street") else [], addr.get("city") or None,
                              postal_code=addr.get("zip") or None) if addr else None
            day = _day(p["date_done"]) or _dt.date.today()
            doc = c.ShipNotice(
                number=p["name"], date=day, shipped_date=day,
                tracking_number=p.get("carrier_tracking_ref") or None,
                carrier_name=p["carrier_id"][1] if p.get("carrier_id") else None,
                parties=[ship_to] if ship_to else [],
                orders=[c.ShipmentOrder(so["client_order_ref"] or so["name"], _day(so["date_order"]),
                                        items=list(items.values()))])
            out.append(Outbound(f"stock.picking/{p['id']}/done", profile.name, doc,
                                {"stock.picking": p["id"], "sale.order": so["id"]}))
        return out
