"""Odoo 16/17/18 connector: purchase orders out, order responses and ship notices in, sale orders in.

Gateway configuration (the ``connector:`` mapping)::

    connector:
      type: odoo
      url: https://odoo.example.com      # http(s) URL of the Odoo server
      database: production
      user: edi-gateway@example.com
      api_key: env:ODOO_API_KEY          # env:NAME or file:PATH, never the key itself
      version: auto                      # auto | 16 | 17 | 18 (auto: detected at connect)
      timeout: 60                        # seconds per RPC call
      confirm_sale_orders: false         # true, false, or a list of profile names

Idempotency: every inbound document leaves a chatter message on the record it changed whose
body carries ``[edi-gateway KEY]``; it is searched first and, when present, nothing is
written again.  Every write before it is absolute or guarded (quantities and prices set,
never incremented; a ship notice's per-receipt ``KEY#asn`` record posted once; lots looked up
by name; activities carry the key and are searched before creating, and are created before
the writes that would change what they are computed from), so a crash between any two RPC
calls followed by a redelivery converges on the state of an uninterrupted run
(tests/odoo/test_idempotency.py).  The number of RPC calls per document is bounded by a
constant (batched ``search_read``/``read`` domains, multi-record create and one2many
commands), whatever the line count.  Seller side outbound: gateway.odoo.seller.
"""
from __future__ import annotations

import html
import json
import re
from decimal import Decimal
from pathlib import Path
from typing import Any, Callable, Iterable, Mapping, Optional, Sequence

from gateway.connectors.base import (AckNotice, Delivery, DeliveryResult, ErpException,
                                     Outbound, SentNotice)
from gateway.errors import PermanentError
from gateway.odoo.seller import SellerOutbound
from gateway.odoo.transport import OdoorpcTransport, RpcTransport
from gateway.odoo.values import dec as _dec, day as _day, m2o as _m2o, num as _num, plain as _plain
from gateway.profiles.model import Profile
from gateway.profiles.secrets import SecretError, parse_ref, resolve
from translators import canonical as c

#: move-line quantity field per major version
_QTY_FIELD = {16: "qty_done", 17: "quantity", 18: "quantity"}
_FLAG = {"rejected", "backordered", "substituted"}
_CREATED = "Created from EDI order"
_SENT_WHAT = {"purchase.order": {"confirm": "Purchase order", "cancel": "Purchase order cancellation"},
              "sale.order": {"confirm": "Order response", "cancel": "Order response (cancellation)"},
              "stock.picking": {"done": "Ship notice"}}


def marker(key: str) -> str:
    return f"[edi-gateway {key}]"


def _items(order: c.ShipmentOrder) -> Iterable[tuple[c.ShipItem, tuple[str, ...]]]:
    """Every item of an order with the SSCCs of the packs around it, outermost first."""
    for item in order.items:
        yield item, ()
    stack: list[tuple[c.Pack, tuple[str, ...]]] = [(p, (p.sscc,) if p.sscc else ())
                                                   for p in reversed(order.packs)]
    while stack:
        pack, chain = stack.pop()
        for item in pack.items:
            yield item, chain
        stack.extend((p, chain + ((p.sscc,) if p.sscc else ())) for p in reversed(pack.packs))


class OdooConnector(SellerOutbound):
    name = "odoo"

    def __init__(self, rpc: RpcTransport, profiles: Callable[[str], Optional[Profile]], *,
                 confirm_sale_orders: Any = False) -> None:
        if rpc.version not in _QTY_FIELD:
            raise PermanentError(f"Odoo {rpc.version} is not supported by the JSON-RPC connector "
                                 "(16, 17 and 18 are; set connector.version or upgrade)")
        self.rpc = rpc
        self.version = rpc.version
        self.profiles = profiles
        self.confirm_sale_orders = confirm_sale_orders
        self._model_ids: dict[str, int] = {}
        self._picking_fields: Optional[set[str]] = None

    # ------------------------------------------------------------------ construction

    @classmethod
    def from_config(cls, settings: Mapping[str, Any], *,
                    profiles: Callable[[str], Optional[Profile]], base_dir: Path,
                    env: Mapping[str, str]) -> "OdooConnector":
        def need(name: str) -> Any:
            if not settings.get(name):
                raise PermanentError(f"connector.{name} is missing: add it to the gateway "
                                     "configuration's connector: section")
            return settings[name]
        try:
            key = resolve(parse_ref(str(need("api_key"))), env, base_dir).decode("utf-8").strip()
        except SecretError as exc:
            raise PermanentError(f"connector.api_key: {exc} (use env:NAME or file:PATH)") from None
        rpc = OdoorpcTransport(str(need("url")), str(need("database")), str(need("user")), key,
                               timeout=float(settings.get("timeout", 60)))
        wanted = str(settings.get("version", "auto"))
        if wanted != "auto" and int(wanted) != rpc.version:
            raise PermanentError(f"connector.version is {wanted} but the server at "
                                 f"{settings['url']} runs Odoo {rpc.version}")
        return cls(rpc, profiles, confirm_sale_orders=settings.get("confirm_sale_orders", False))

    def close(self) -> None:
        self.rpc.close()

    # ------------------------------------------------------------------ rpc helpers

    def _call(self, model: str, method: str, *args: Any, **kwargs: Any) -> Any:
        return self.rpc.execute_kw(model, method, list(args), kwargs)

    def _sr(self, model: str, domain: list, fields: list[str], **kw: Any) -> list[dict]:
        return self._call(model, "search_read", domain, fields=fields, **kw)

    def _profile(self, name: str) -> Profile:
        profile = self.profiles(name)
        if profile is None:
            raise PermanentError(f"no partner profile named {name!r}")
        return profile

    def _partner_id(self, profile: Profile) -> int:
        rows = self._sr("res.partner", profile.erp.domain(), ["id"], limit=1)
        if not rows:
            raise PermanentError(f"partner {profile.name}: no res.partner matches "
                                 f"{profile.erp.domain()} (erp: in the profile)")
        return rows[0]["id"]

    def _markers(self, model: str, ids: Sequence[int], key: str) -> list[dict]:
        if not ids:
            return []
        rows = self._sr("mail.message", [("model", "=", model), ("res_id", "in", list(ids)),
                                         ("body", "ilike", marker(key))], ["res_id", "body"])
        # ilike treats _ and % in the key as wildcards: keep exact matches only
        return [r for r in rows if marker(key) in _plain(r["body"])]

    def _post(self, model: str, rec_id: int, text: str, key: str) -> None:
        full = f"{text} {marker(key)}"
        # 16 stores the body as HTML (sanitized); 17 and 18 escape a str body themselves
        # (message_post: "str content will be escaped"), so they get plain text.
        body = html.escape(full).replace("\n", "<br/>") if self.version < 17 else full
        self._call(model, "message_post", [rec_id], body=body, message_type="comment",
                   subtype_xmlid="mail.mt_note")

    def _activities(self, model: str, wanted: list[tuple[int, str, str]], key: str) -> None:
        """Create one To-Do per (record, summary, note) unless this key already made it."""
        if not wanted:
            return
        if model not in self._model_ids:
            rows = self._sr("ir.model", [("model", "=", model)], ["id"])
            self._model_ids[model] = rows[0]["id"]
        done = self._sr("mail.activity", [("res_model", "=", model),
                                          ("res_id", "in", sorted({w[0] for w in wanted})),
                                          ("note", "ilike", marker(key))],
                        ["res_id", "summary", "note"])
        have = {(d["res_id"], d["summary"]) for d in done if marker(key) in _plain(d["note"])}
        values = [{"res_model_id": self._model_ids[model], "res_id": rid, "summary": summary,
                   "note": html.escape(note).replace("\n", "<br/>") + " " + html.escape(marker(key)),
                   "user_id": self.rpc.uid}
                  for rid, summary, note in wanted if (rid, summary) not in have]
        if values:
            self._call("mail.activity", "create", values)

    # ------------------------------------------------------------------ code maps

    def _units(self, profile: Profile) -> dict[str, int]:
        """Every unit code of the profile -> uom.uom id (two calls at most)."""
        targets = profile.code_maps.units
        xml = {t.xml_id: code for code, t in targets.items() if t.xml_id}
        names = {t.name: code for code, t in targets.items() if t.name}
        out: dict[str, int] = {}
        if xml:
            modules = sorted({x.split(".", 1)[0] for x in xml})
            rows = self._sr("ir.model.data", [("model", "=", "uom.uom"), ("module", "in", modules),
                                              ("name", "in", [x.split(".", 1)[1] for x in xml])],
                            ["module", "name", "res_id"])
            for row in rows:
                code = xml.get(f"{row['module']}.{row['name']}")
                if code:
                    out[code] = row["res_id"]
        if names:
            for row in self._sr("uom.uom", [("name", "in", list(names))], ["name"]):
                out[names[row["name"]]] = row["id"]
        return out

    def _unit(self, units: dict[str, int], profile: Profile, code: str, where: str) -> int:
        if code not in profile.code_maps.units:
            raise PermanentError(f"partner {profile.name}, {where}: unit {code!r} has no entry in "
                                 f"code_maps.units (add `{code}: <Odoo unit XML ID or name>`)")
        if code not in units:
            raise PermanentError(f"partner {profile.name}, {where}: unit {code!r} maps to "
                                 f"{profile.code_maps.units[code]}, which Odoo does not have")
        return units[code]

    def _products(self, profile: Profile, partner: int,
                  ids: Iterable[Sequence[c.ProductId]]) -> dict[tuple[str, str], int]:
        """(scheme, value) -> product.product id, one search per profile product rule."""
        wanted: dict[str, set[str]] = {}
        for pids in ids:
            for pid in pids:
                wanted.setdefault(pid.scheme, set()).add(pid.value)
        out: dict[tuple[str, str], int] = {}
        for rule in profile.code_maps.products:
            values = sorted(wanted.get(rule.scheme, ()))
            if not values:
                continue
            if rule.odoo == "supplierinfo":
                rows = self._sr("product.supplierinfo", [("partner_id", "=", partner),
                                                         ("product_code", "in", values)],
                                ["product_code", "product_id", "product_tmpl_id"])
                tmpl = {r["product_code"]: _m2o(r["product_tmpl_id"]) for r in rows
                        if not r["product_id"]}
                for r in rows:
                    if r["product_id"]:
                        out.setdefault((rule.scheme, r["product_code"]), _m2o(r["product_id"]))
                if tmpl:
                    variants = self._sr("product.product",
                                        [("product_tmpl_id", "in", list(set(tmpl.values())))],
                                        ["product_tmpl_id"])
                    first = {}
                    for v in variants:
                        first.setdefault(_m2o(v["product_tmpl_id"]), v["id"])
                    for code, t in tmpl.items():
                        if t in first:
                            out.setdefault((rule.scheme, code), first[t])
            else:
                for r in self._sr("product.product", [(rule.odoo, "in", values)], [rule.odoo]):
                    out.setdefault((rule.scheme, r[rule.odoo]), r["id"])
        return out

    @staticmethod
    def _product_of(profile: Profile, found: dict, pids: Sequence[c.ProductId]) -> Optional[int]:
        for rule in profile.code_maps.products:
            for pid in pids:
                if pid.scheme == rule.scheme and (pid.scheme, pid.value) in found:
                    return found[(pid.scheme, pid.value)]
        return None

    @staticmethod
    def _codes(pids: Sequence[c.ProductId]) -> str:
        return ", ".join(f"{p.scheme} {p.value}" for p in pids) or "no product identifier"

    # ------------------------------------------------------------------ inbound

    def deliver(self, delivery: Delivery) -> DeliveryResult:
        profile = self._profile(delivery.partner)
        doc = delivery.document
        if isinstance(doc, c.FunctionalAck):
            return self._functional_ack(delivery, profile, doc)
        type_name = c.TYPE_NAMES[type(doc)]
        rule = profile.documents.get(type_name)
        if rule is None or rule.direction != "receive":
            raise PermanentError(f"partner {profile.name} is not expected to send {type_name} "
                                 "(documents: in its profile)")
        if isinstance(doc, c.OrderResponse):
            return self._order_response(delivery, profile, doc)
        if isinstance(doc, c.ShipNotice):
            return self._ship_notice(delivery, profile, doc)
        return self._sale_order(delivery, profile, doc)

    # 855 / ORDRSP ------------------------------------------------------

    def _order_response(self, d: Delivery, profile: Profile, doc: c.OrderResponse) -> DeliveryResult:
        rule = profile.documents["order_response"]
        partner = self._partner_id(profile)
        orders = self._sr("purchase.order", [("name", "=", doc.order_number),
                                             ("partner_id", "=", partner)],
                          ["name", "state", "order_line", "partner_ref"])
        if not orders:
            raise PermanentError(f"partner {profile.name}: order response {doc.number!r} names "
                                 f"purchase order {doc.order_number!r}, which Odoo does not have "
                                 "for this vendor")
        po = orders[0]
        refs = {"purchase.order": po["id"]}
        if self._markers("purchase.order", [po["id"]], d.key):
            return DeliveryResult(d.key, (f"{po['name']}: order response {doc.number} already "
                                          "applied",), erp_refs=refs, replayed=True)
        lines = self._sr("purchase.order.line", [("order_id", "=", po["id"])],
                         ["product_qty", "price_unit", "date_planned", "move_ids", "sequence",
                          "display_type"], order="sequence,id")
        # numbered as the 850 numbered them: product lines only, sections and notes skipped
        by_number = {str(i): line for i, line in
                     enumerate((ln for ln in lines if not ln.get("display_type")), 1)}
        statuses = profile.code_maps.statuses
        groups: dict[str, list[c.ResponseLine]] = {}
        exceptions: list[ErpException] = []
        for rl in doc.lines:
            groups.setdefault(rl.line_number.lstrip("0") or rl.line_number, []).append(rl)
        commands, cancel_moves, effects, todo = [], [], [], []
        for number, parts in groups.items():
            line = by_number.get(number)
            if line is None:
                exceptions.append(ErpException("unknown_line", f"{po['name']}: the response names "
                                               f"line {number}, which the order does not have"))
                continue
            where = f"{po['name']} line {number}"
            stat = [statuses.get(p.status, p.status) for p in parts]
            ordered = _dec(line["product_qty"])
            kept = sum((p.quantity if p.quantity is not None else ordered)
                       for p, s in zip(parts, stat) if s != "rejected")
            if all(s == "rejected" for s in stat):
                msg = f"{where}: rejected by the vendor"
                exceptions.append(ErpException("rejected_line", msg))
                todo.append(msg)
                if rule.changes == "apply":
                    cancel_moves.extend(line["move_ids"])
                    effects.append(f"{where}: receipt move cancelled")
                continue
            vals: dict[str, Any] = {}
            price = next((p.unit_price for p in parts if p.unit_price is not None), None)
            if kept != ordered or (price is not None and price != _dec(line["price_unit"])):
                vals["product_qty"] = float(kept)
                vals["price_unit"] = float(price if price is not None else _dec(line["price_unit"]))
                if kept < ordered:
                    todo.append(f"{where}: vendor commits {_num(kept)} of {_num(ordered)}")
            dates = [p.scheduled_date for p in parts if p.scheduled_date is not None]
            planned = _day(line["date_planned"])
            if dates and max(dates) != planned:
                vals["date_planned"] = f"{max(dates).isoformat()} 00:00:00"
                if planned is None or max(dates) > planned:
                    todo.append(f"{where}: vendor date {max(dates)} later than {planned}")
            for p, s in zip(parts, stat):
                if s in _FLAG or ":" in s:
                    msg = f"{where}: {_num(p.quantity) if p.quantity is not None else ''} {s}".replace("  ", " ")
                    exceptions.append(ErpException(f"{s.replace(':', '_')}_line", msg))
                    if s != "backordered" or (p.scheduled_date and planned and p.scheduled_date > planned):
                        todo.append(msg)
            if vals:
                if rule.changes == "apply":
                    commands.append([1, line["id"], vals])
                    effects.append(f"{where}: set {', '.join(f'{k}={v}' for k, v in vals.items())}")
                else:
                    todo.append(f"{where}: vendor proposes "
                                f"{', '.join(f'{k}={v}' for k, v in vals.items())} (changes: flag)")
        header = statuses.get(doc.status, doc.status)
        if header == "rejected":
            todo.append(f"{po['name']}: the vendor rejected the order")
            exceptions.append(ErpException("rejected_order", f"{po['name']}: rejected by the vendor"))
        head_vals: dict[str, Any] = {}
        if doc.number and po["partner_ref"] != doc.number:
            head_vals["partner_ref"] = doc.number
            effects.append(f"{po['name']}: vendor reference {doc.number}")
        if commands:
            head_vals["order_line"] = commands
        # activities first: they are computed from the order as it was before this response,
        # and a redelivery after a crash further down must still find them (deduplicated)
        if todo:  # one To-Do per response, listing every point (not one per line)
            self._activities("purchase.order", [(po["id"], f"EDI order response {doc.number} from "
                                                 f"{profile.name}: review", "\n".join(todo))], d.key)
        if head_vals:
            self._call("purchase.order", "write", [po["id"]], head_vals)
        if cancel_moves:  # only moves still open: a received or cancelled move stays as it is
            cancel_moves = [m["id"] for m in self._sr(
                "stock.move", [("id", "in", cancel_moves), ("state", "not in", ["done", "cancel"])],
                ["id"])]
        if cancel_moves:
            self._call("stock.move.line", "unlink",
                       [r["id"] for r in self._sr("stock.move.line",
                                                  [("move_id", "in", cancel_moves)], ["id"])])
            self._call("stock.move", "write", cancel_moves, {"state": "cancel"})
        # the note says what the vendor said (not the diff against the order, which a crash
        # and redelivery would see half applied): the activities carry what needs a planner
        self._post("purchase.order", po["id"], "\n".join(
            [f"Order response {doc.number} ({header}) received by EDI"
             + (f"; changes {'applied' if rule.changes == 'apply' else 'left to the planner'}:"
                if doc.lines else ".")] + [_said(rl) for rl in doc.lines]), d.key)
        return DeliveryResult(d.key, tuple(effects), tuple(exceptions), refs)

    # 856 / DESADV ------------------------------------------------------

    def _ship_notice(self, d: Delivery, profile: Profile, doc: c.ShipNotice) -> DeliveryResult:
        """Record a ship notice on the open receipts of the orders it names.

        Order of writes (each one absolute or guarded, so a crash anywhere converges):
        1. per receipt, a chatter note carrying this notice's lines (``edi-asn:``) and the key
           with ``#asn`` (the durable record; never posted twice for one key);
        2. the receipt's move lines rewritten to the union of every recorded notice;
        3. header fields (scheduled date, tracking); validation when the profile says so;
        4. activities for the exceptions, then the final marker note (``[edi-gateway KEY]``).
        """
        rule = profile.documents["ship_notice"]
        partner = self._partner_id(profile)
        numbers = list(dict.fromkeys(o.order_number for o in doc.orders))
        pos = self._sr("purchase.order", [("name", "in", numbers), ("partner_id", "=", partner)],
                       ["name", "state"])
        po_by_name = {p["name"]: p["id"] for p in pos}
        exceptions = [ErpException("unknown_order", f"ship notice {doc.number}: purchase order "
                                   f"{n!r} is not an order of {profile.name} in Odoo")
                      for n in numbers if n not in po_by_name]
        if not pos:
            raise PermanentError(f"partner {profile.name}: ship notice {doc.number} names no "
                                 f"purchase order Odoo has ({', '.join(numbers)})")
        picks = self._sr("stock.picking", [("purchase_id", "in", list(po_by_name.values())),
                                           ("picking_type_code", "=", "incoming"),
                                           ("state", "!=", "cancel")],
                         ["purchase_id", "state", "name"], order="id")
        pick_by_id = {p["id"]: p for p in picks}
        notes = self._sr("mail.message", [("model", "=", "stock.picking"),
                                          ("res_id", "in", list(pick_by_id)),
                                          ("body", "ilike", "[edi-gateway ")],
                         ["res_id", "body"]) if picks else []
        final, own = marker(d.key), marker(f"{d.key}#asn")
        done = sorted({n["res_id"] for n in notes if final in _plain(n["body"])})
        if done:
            return DeliveryResult(d.key, (f"ship notice {doc.number} already recorded",),
                                  tuple(exceptions), {"stock.picking": done,
                                                      "purchase.order": sorted(po_by_name.values())},
                                  True)
        own_pick = {n["res_id"] for n in notes if own in _plain(n["body"])}
        same = f"Ship notice {doc.number} recorded by EDI"
        earlier_copy = sorted({n["res_id"] for n in notes if same in _plain(n["body"])} - own_pick)
        if doc.purpose != "original" or (earlier_copy and not own_pick):
            # the same notice again under another document id, or a change/cancellation of one:
            # adding it would double the expected quantities, so a person decides
            what = ("was already recorded on " + ", ".join(pick_by_id[i]["name"] for i in earlier_copy)
                    if doc.purpose == "original" else f"is a {doc.purpose} of an earlier notice")
            exc = ErpException("duplicate_notice" if doc.purpose == "original" else "notice_change",
                               f"partner {profile.name}: ship notice {doc.number} {what}; "
                               "nothing was changed")
            first = sorted(po_by_name.values())[0]
            self._activities("purchase.order", [(first, f"EDI ship notice {doc.number} from "
                                                 f"{profile.name}: exceptions", exc.message)], d.key)
            target = (earlier_copy or sorted(pick_by_id) or [None])[0]
            if target is not None:
                self._post("stock.picking", target, exc.message, d.key)
            return DeliveryResult(d.key, (), tuple(exceptions) + (exc,),
                                  {"purchase.order": sorted(po_by_name.values())})
        # earlier notices recorded on the same receipts accumulate (this key's own excluded)
        shipped: dict[int, list] = {}
        mine: dict[int, list] = {}
        for n in notes:
            if "edi-asn:" in n["body"]:
                target = mine if own in _plain(n["body"]) else shipped
                target.setdefault(n["res_id"], []).extend(_asn_payload(n["body"]))
        target_pick: dict[int, dict] = {}
        for p in picks:  # this notice's receipt if a crash left it recorded, else the open one
            po_id = _m2o(p["purchase_id"])
            if p["id"] in own_pick:
                target_pick[po_id] = p
        for p in picks:
            po_id = _m2o(p["purchase_id"])
            if po_id not in target_pick and p["state"] not in ("done", "cancel"):
                target_pick[po_id] = p
        live = [p["id"] for p in target_pick.values() if p["state"] != "done"]
        moves = self._sr("stock.move", [("picking_id", "in", live), ("state", "!=", "cancel")],
                         ["picking_id", "product_id", "product_uom_qty", "product_uom",
                          "purchase_line_id"]) if live else []
        units = self._units(profile)
        found = self._products(profile, partner, [i.product_ids for o in doc.orders
                                                  for i, _ in _items(o)])
        lines_new: dict[int, list] = {}
        sscc: dict[int, set] = {}
        announced: dict[int, Decimal] = {}  # move id -> quantity earlier notices announced
        for recorded in shipped.values():
            for mid, _lot, q in recorded:
                announced[mid] = announced.get(mid, Decimal(0)) + Decimal(q)
        for order in doc.orders:
            po_id = po_by_name.get(order.order_number)
            if po_id is None:
                continue
            pick = target_pick.get(po_id)
            if pick is None:
                exceptions.append(ErpException("no_open_receipt", f"{order.order_number}: no open "
                                               f"receipt to record ship notice {doc.number} on"))
                continue
            if pick["state"] == "done":  # validated by this notice before a crash
                lines_new[pick["id"]] = mine.get(pick["id"], [])
                continue
            pmoves: dict[int, list[dict]] = {}
            for m in moves:
                if _m2o(m["picking_id"]) == pick["id"]:
                    pmoves.setdefault(_m2o(m["product_id"]), []).append(m)
            for item, pack in _items(order):
                where = (f"ship notice {doc.number}, {order.order_number} item "
                         f"{item.line_number or self._codes(item.product_ids)}")
                try:
                    self._unit(units, profile, item.unit, where)
                except PermanentError as exc:
                    exceptions.append(ErpException("unknown_unit", str(exc)))
                    continue
                product = self._product_of(profile, found, item.product_ids)
                candidates = pmoves.get(product, []) if product else []
                if not candidates:
                    code = "unknown_item" if product is None else "item_not_ordered"
                    exceptions.append(ErpException(code, f"{where}: {self._codes(item.product_ids)} "
                                                   + ("matches no Odoo product"
                                                      if product is None else
                                                      f"is not on the open receipt {pick['name']}")))
                    continue
                quantity = Decimal(len(item.serials)) if item.serials else item.quantity
                new = lines_new.setdefault(pick["id"], [])
                shares = self._allocate(candidates, announced, quantity)
                if shares is None:
                    before = sum((announced.get(m["id"], Decimal(0)) for m in candidates), Decimal(0))
                    expected = sum(_dec(m["product_uom_qty"]) for m in candidates)
                    exceptions.append(ErpException("over_shipment", f"{where}: ships {_num(quantity)}, "
                                                   f"{_num(before)} already announced, "
                                                   f"{_num(expected)} expected on {pick['name']}"))
                    continue
                serials = iter(item.serials)
                for move_id, share in shares:
                    announced[move_id] = announced.get(move_id, Decimal(0)) + share
                    if item.serials:
                        new.extend((move_id, next(serials), "1") for _ in range(int(share)))
                    else:
                        new.append((move_id, item.lot, str(share)))
                if pack:
                    sscc.setdefault(pick["id"], set()).add(" > ".join(pack))
        effects: list[str] = []
        carrier: Optional[int] = None  # read now: a mapped carrier Odoo lacks is an exception
        if (doc.carrier or doc.carrier_name) and "carrier_id" in self._pfields():
            carrier, note, problem = self._carrier(profile, doc)
            if note:
                effects.append(note)
            if problem is not None:
                exceptions.append(problem)
        # 1. the durable record of this notice on each receipt it touches
        for pid in sorted(lines_new):
            if pid in own_pick:
                continue
            text = (f"Ship notice {doc.number} recorded by EDI"
                    + (f", shipped {doc.shipped_date}" if doc.shipped_date else "")
                    + (f", arriving {doc.estimated_delivery_date}" if doc.estimated_delivery_date else "")
                    + (f", carrier {doc.carrier_name or doc.carrier}" if doc.carrier_name or doc.carrier else "")
                    + (f", tracking {doc.tracking_number}" if doc.tracking_number else "")
                    + (f", SSCC {', '.join(sorted(sscc[pid]))}" if sscc.get(pid) else "")
                    + f". edi-asn:{json.dumps(lines_new[pid])}")
            self._post("stock.picking", pid, text, f"{d.key}#asn")
        # activities for a person, while the receipts are as the first attempt saw them (a
        # redelivery after a validation could no longer tell an over-shipment)
        if exceptions:
            first = sorted(po_by_name.values())[0]
            self._activities("purchase.order", [(first, f"EDI ship notice {doc.number} from "
                                                 f"{profile.name}: exceptions",
                                                 "\n".join(e.message for e in exceptions))], d.key)
        # 2. absolute move lines: the union of every notice recorded on each open receipt
        open_ids = [pid for pid in sorted(lines_new) if pick_by_id[pid]["state"] != "done"]
        mv = {m["id"]: m for m in moves}
        qty = _QTY_FIELD[self.version]
        wanted = {pid: [w for w in shipped.get(pid, []) + lines_new[pid] if w[0] in mv]
                  for pid in open_ids}
        lot_names = sorted({w[1] for ws in wanted.values() for w in ws if w[1]})
        lot_ids: dict[tuple[int, str], int] = {}
        if lot_names:
            for lot in self._sr("stock.lot", [("name", "in", lot_names),
                                              ("product_id", "in", sorted({_m2o(m["product_id"]) for m in moves}))],
                                ["name", "product_id"]):
                lot_ids[(_m2o(lot["product_id"]), lot["name"])] = lot["id"]
        validate = rule.receipt == "validate"
        if open_ids:
            old = self._sr("stock.move.line", [("picking_id", "in", open_ids)], ["id"])
            if old:
                self._call("stock.move.line", "unlink", [r["id"] for r in old])
            values = []
            for pid in open_ids:
                for m, lot, q in wanted[pid]:
                    product = _m2o(mv[m]["product_id"])
                    vals = {"move_id": m, "picking_id": pid, "product_id": product,
                            "product_uom_id": _m2o(mv[m]["product_uom"]), qty: float(q)}
                    if validate and self.version >= 17:
                        vals["picked"] = True
                    if lot and (product, lot) in lot_ids:
                        vals["lot_id"] = lot_ids[(product, lot)]
                    elif lot:
                        vals["lot_name"] = lot
                    values.append(vals)
                effects.append(f"{pick_by_id[pid]['name']}: {len(wanted[pid])} expected move "
                               "line(s)")
            if values:
                self._call("stock.move.line", "create", values)
        # 3. header fields, then validation
        head: dict[str, Any] = {}
        if doc.estimated_delivery_date:
            head["scheduled_date"] = f"{doc.estimated_delivery_date.isoformat()} 00:00:00"
        fields = self._pfields() if (doc.tracking_number or doc.carrier) else set()
        if doc.tracking_number and "carrier_tracking_ref" in fields:
            head["carrier_tracking_ref"] = doc.tracking_number
        if carrier is not None:
            head["carrier_id"] = carrier
        if head and open_ids:
            self._call("stock.picking", "write", open_ids, head)
        if validate:
            for pid in open_ids:
                action = self._call("stock.picking", "button_validate", [pid])
                if isinstance(action, dict) and action.get("res_model") == "stock.backorder.confirmation":
                    ctx = action.get("context") or {}
                    wiz = self._call("stock.backorder.confirmation", "create",
                                     {"pick_ids": [[4, pid]]}, context=ctx)
                    self._call("stock.backorder.confirmation", "process", [wiz], context=ctx)
                effects.append(f"{pick_by_id[pid]['name']} validated")
        # one marker, on the first receipt: a crash before it redoes only guarded steps
        text = (f"Ship notice {doc.number} applied"
                + (" (receipts validated)" if validate else "")
                + "; exceptions, if any, are activities on the purchase order.")
        self._post("stock.picking", (sorted(lines_new) or [picks[0]["id"]])[0], text, d.key)
        return DeliveryResult(d.key, tuple(effects), tuple(exceptions),
                              {"stock.picking": sorted(lines_new),
                               "purchase.order": sorted(po_by_name.values())})

    @staticmethod
    def _allocate(candidates: list[dict], announced: Mapping[int, Decimal], quantity: Decimal
                  ) -> Optional[list[tuple[int, Decimal]]]:
        """Split ``quantity`` over the product's moves (one per order line of that product) in
        order, each up to its demand minus what is already announced; None if it does not fit."""
        shares, rest = [], quantity
        for move in candidates:
            room = _dec(move["product_uom_qty"]) - announced.get(move["id"], Decimal(0))
            if room > 0 and rest > 0:
                take = rest if rest <= room else room  # the document's own figure when it fits
                shares.append((move["id"], take))
                rest -= take
        return shares if rest == 0 else None

    def _carrier(self, profile: Profile, doc: c.ShipNotice
                 ) -> tuple[Optional[int], Optional[str], Optional[ErpException]]:
        """The delivery.carrier of a ship notice (one search): the profile's
        ``code_maps.carriers`` entry for its carrier code or name, else a carrier named
        like the code or the name.  (carrier id, effect note, exception)."""
        codes = [v for v in (doc.carrier, doc.carrier_name) if v]
        mapped = next((profile.code_maps.carriers[v] for v in codes
                       if v in profile.code_maps.carriers), None)
        names = [mapped] if mapped else codes
        rows = self._sr("delivery.carrier", [("name", "in", names)], ["name"])
        by_name = {r["name"]: r["id"] for r in rows}
        for name in names:
            if name in by_name:
                return by_name[name], f"carrier {name}", None
        said = " / ".join(codes)
        if mapped:  # the profile names a carrier Odoo does not have: someone must fix it
            return None, None, ErpException(
                "unknown_carrier", f"ship notice {doc.number}: carrier {said} maps to "
                f"{mapped!r} in {profile.name}'s code_maps.carriers, but Odoo has no active "
                "delivery.carrier of that name")
        return None, (f"carrier {said} matches no delivery.carrier (left empty; add "
                      f"code_maps.carriers to profile {profile.name} to map it)"), None

    def _pfields(self) -> set[str]:
        if self._picking_fields is None:
            self._picking_fields = set(self._call("stock.picking", "fields_get",
                                                  attributes=["type"]))
        return self._picking_fields

    # 850 / ORDERS in (seller) ------------------------------------------

    def _confirm(self, profile: Profile) -> bool:
        setting = self.confirm_sale_orders
        return profile.name in setting if isinstance(setting, (list, tuple)) else bool(setting)

    def _sale_order(self, d: Delivery, profile: Profile, doc: c.PurchaseOrder) -> DeliveryResult:
        partner = self._partner_id(profile)
        existing = self._sr("sale.order", [("client_order_ref", "=", doc.number),
                                           ("partner_id", "=", partner)], ["state", "name"])
        notes = self._sr("mail.message", [("model", "=", "sale.order"),
                                          ("res_id", "in", [s["id"] for s in existing]),
                                          ("body", "ilike", "[edi-gateway ")],
                         ["res_id", "body"]) if existing else []
        bodies = [_plain(n["body"]) for n in notes]
        so = existing[0] if existing else None
        refs = {"sale.order": so["id"]} if so else {}
        if so and any(marker(d.key) in b for b in bodies):
            return DeliveryResult(d.key, (f"{so['name']}: order {doc.number} already applied",),
                                  erp_refs=refs, replayed=True)
        if doc.purpose == "cancellation":
            if so is None:
                raise PermanentError(f"partner {profile.name}: cancellation of order {doc.number!r}, "
                                     "which Odoo has no sale order for")
            if so["state"] != "cancel":
                self._call("sale.order", "action_cancel", [so["id"]],
                           context={"disable_cancel_warning": True})
            self._post("sale.order", so["id"], f"Cancelled by EDI order {doc.number} "
                       f"(purpose cancellation) from {profile.name}.", d.key)
            return DeliveryResult(d.key, (f"{so['name']} cancelled",), erp_refs=refs)
        if so is not None and (doc.purpose != "original"
                               or any(_CREATED in b for b in bodies)):
            # a change, a replacement or the same order number again: a salesperson decides
            code = "duplicate_order" if doc.purpose == "original" else "order_change"
            msg = (f"partner {profile.name}: order {doc.number} ({doc.purpose}) names sale order "
                   f"{so['name']}, which an earlier EDI order already created; nothing was changed")
            self._activities("sale.order", [(so["id"], msg[:120], msg)], d.key)
            self._post("sale.order", so["id"], msg, d.key)
            return DeliveryResult(d.key, (), (ErpException(code, msg),), refs)
        if so is None:
            units = self._units(profile)
            found = self._products(profile, partner, [l.product_ids for l in doc.lines])
            lines = []
            for line in doc.lines:
                where = f"order {doc.number} line {line.line_number}"
                product = self._product_of(profile, found, line.product_ids)
                if product is None:
                    raise PermanentError(f"partner {profile.name}, {where}: no product matches "
                                         f"{self._codes(line.product_ids)} (code_maps.products)")
                vals = {"product_id": product, "product_uom_qty": float(line.quantity),
                        "product_uom": self._unit(units, profile, line.unit, where)}
                if line.unit_price is not None:
                    vals["price_unit"] = float(line.unit_price)
                if line.description:
                    vals["name"] = line.description
                lines.append([0, 0, vals])
            shipping = self._ship_to(partner, doc)
            values = {"partner_id": partner, "partner_shipping_id": shipping,
                      "client_order_ref": doc.number, "order_line": lines,
                      "date_order": f"{doc.date.isoformat()} 00:00:00"}
            if doc.requested_delivery_date:
                values["commitment_date"] = f"{doc.requested_delivery_date.isoformat()} 00:00:00"
            so_id = self._call("sale.order", "create", [values])
            so_id = so_id[0] if isinstance(so_id, list) else so_id
            so = {"id": so_id, "state": "draft", "name": doc.number}
        if self._confirm(profile) and so["state"] in ("draft", "sent"):
            self._call("sale.order", "action_confirm", [so["id"]])
        ordered = [[l.line_number, str(l.quantity), l.unit] for l in doc.lines]
        self._post("sale.order", so["id"], f"{_CREATED} {doc.number} from {profile.name}. "
                   f"edi-lines:{json.dumps(ordered)}", d.key)
        return DeliveryResult(d.key, (f"sale order for {doc.number} with {len(doc.lines)} lines",),
                              erp_refs={"sale.order": so["id"]})

    def _ship_to(self, partner: int, doc: c.PurchaseOrder) -> int:
        party = next((p for p in doc.parties if p.role == "ship_to"), None)
        if party is None or not (party.id or party.name):
            return partner
        dom: list = [("parent_id", "=", partner)]
        dom += [("ref", "=", party.id)] if party.id else [("name", "=", party.name)]
        rows = self._sr("res.partner", dom, ["id"], limit=1)
        if rows:
            return rows[0]["id"]
        vals = {"parent_id": partner, "type": "delivery", "name": party.name or party.id,
                "ref": party.id or False, "street": (party.address or [False])[0],
                "city": party.city or False, "zip": party.postal_code or False}
        new = self._call("res.partner", "create", [vals])
        return new[0] if isinstance(new, list) else new

    # 997 / 999 / CONTRL ------------------------------------------------

    def _functional_ack(self, d: Delivery, profile: Profile, doc: c.FunctionalAck) -> DeliveryResult:
        """Reconcile a 997/999/CONTRL with the records whose sent note names the group (or the
        interchange) it answers; a transaction the ack lists gets that transaction's status."""
        if doc.group_control_number:
            token, what = f"gcn={doc.group_control_number} ", f"group {doc.group_control_number}"
        else:
            token = f"icn={doc.interchange_control_number} "
            what = f"interchange {doc.interchange_control_number}"
        models = ["purchase.order", "sale.order", "stock.picking"]
        rows = self._sr("mail.message", [("model", "in", models),
                                         ("body", "ilike", f"partner={profile.name} "),
                                         ("body", "ilike", token)],
                        ["model", "res_id", "body"], order="id")
        rows = [r for r in rows if " sent by EDI to " in _plain(r["body"])
                and f"partner={profile.name} " in _plain(r["body"]) and token in _plain(r["body"])]
        if not rows:
            msg = (f"{doc.ack_type} from {profile.name} answers {what}, which no document sent "
                   "to this partner carries")
            return DeliveryResult(d.key, (), (ErpException("unmatched_ack", msg),))
        applied = {(m["model"], m["res_id"]) for m in self._sr(
            "mail.message", [("model", "in", models), ("res_id", "in", sorted({r["res_id"] for r in rows})),
                             ("body", "ilike", marker(d.key))], ["model", "res_id", "body"])
            if marker(d.key) in _plain(m["body"])}
        by_tx = {t.control_number.lstrip("0") or "0": t for t in doc.transactions}
        effects, exceptions, posts, todo = [], [], {}, {}
        for row in rows:
            rec = (row["model"], row["res_id"])
            found = re.search(r"tcn=(\S+)", _plain(row["body"]))
            tx = by_tx.get((found.group(1).lstrip("0") or "0") if found else "")
            status = tx.status if tx else doc.status
            detail = ""
            if tx and (tx.codes or tx.errors):
                detail = " (" + ", ".join(list(tx.codes) + [
                    f"{e.segment_tag or ''}{e.segment_position or ''} {e.code}".strip()
                    for e in tx.errors]) + ")"
            label = f"transaction {found.group(1)}" if found else what
            posts[rec] = (f"{doc.ack_type} from {profile.name} for {what}, {label}: "
                          f"{status}{detail}")
            if status in ("rejected", "partially_accepted"):
                msg = f"{row['model']} {row['res_id']}: {posts[rec]}"
                exceptions.append(ErpException("ack_rejected", msg))
                todo.setdefault(row["model"], []).append(
                    (row["res_id"], f"{doc.ack_type} {status}", posts[rec]))
        for model, wanted in todo.items():
            self._activities(model, [w for w in wanted if (model, w[0]) not in applied], d.key)
        for (model, rid), text in posts.items():
            effects.append(f"{model} {rid}: {text}")
            if (model, rid) not in applied:
                self._post(model, rid, text, d.key)
        return DeliveryResult(d.key, tuple(effects), tuple(exceptions),
                              {m: sorted(r for mm, r in posts if mm == m) for m in {m for m, _ in posts}},
                              replayed=set(posts) <= applied)

    # ------------------------------------------------------------------ outbound

    def extract(self, partners: Iterable[str], watermark: Optional[str]) -> tuple[list[Outbound], Optional[str]]:
        """Buyer: confirmed (and cancelled-after-sending) purchase orders; seller: confirmed sale
        orders (855) and validated deliveries (856).  Watermark: JSON of the last write_date
        seen per kind ({"po": .., "so": .., "out": ..}); the sent notes make re-reads harmless."""
        partners = list(partners)
        try:
            marks = json.loads(watermark) if watermark else {}
        except ValueError:
            raise PermanentError(f"Odoo extract watermark {watermark!r} is not the JSON this "
                                 "connector writes; reset it to start from the beginning") from None
        out: list[Outbound] = []
        buyers = self._customers(partners, "purchase_order")
        if buyers:
            orders = self._since("purchase.order", [("partner_id", "in", sorted(buyers)),
                                                    ("state", "in", ["purchase", "done", "cancel"])],
                                 marks, "po", [])
            if orders:
                out.extend(self._po_outbound([o["id"] for o in orders], buyers))
        out.extend(self._extract_seller(partners, marks))
        return out, json.dumps(marks, sort_keys=True)

    def outbound_for(self, kind: str, ref: str) -> list[Outbound]:
        """``send po P00042``; ``send response S00017`` (or 855/ordrsp); ``send asn WH/OUT/00005``
        (or 856/desadv; a sale order name sends all its validated deliveries).  On demand
        documents are built even when already sent (a resend)."""
        kind = kind.lower()
        if kind in ("po", "850", "orders"):
            rows = self._sr("purchase.order", [("name", "=", ref)], ["state"])
            if not rows:
                raise PermanentError(f"purchase order {ref!r} does not exist in Odoo")
            if rows[0]["state"] not in ("purchase", "done", "cancel"):
                raise PermanentError(f"purchase order {ref} is {rows[0]['state']}: confirm it in "
                                     "Odoo before sending it")
            return self._po_outbound([rows[0]["id"]], None, force=True)
        if kind in ("response", "855", "ordrsp", "asn", "856", "desadv"):
            return self._seller_on_demand(kind, ref)
        raise PermanentError(f"send {kind}: unknown kind (po, response or asn)")

    def _sent_keys(self, model: str, ids: list[int]) -> set[tuple[int, str]]:
        """(record id, event) of every outbound key whose sent note is on the records."""
        if not ids:
            return set()
        notes = self._sr("mail.message", [("model", "=", model), ("res_id", "in", ids),
                                          ("body", "ilike", f"[edi-gateway {model}/")],
                         ["res_id", "body"])
        pattern = re.compile(r"\[edi-gateway " + re.escape(model) + r"/(\d+)/(\w+)\]")
        return {(int(rid), event) for n in notes for rid, event in pattern.findall(_plain(n["body"]))}

    def _po_outbound(self, ids: list[int], buyers: Optional[dict], force: bool = False) -> list[Outbound]:
        orders = self._sr("purchase.order", [("id", "in", ids)],
                          ["name", "partner_id", "state", "date_order", "date_planned",
                           "currency_id", "notes", "company_id"])
        partner_ids = {_m2o(o["partner_id"]) for o in orders}
        partners = {p["id"]: p for p in self._sr("res.partner", [("id", "in", list(partner_ids))],
                                                 ["ref", "name"])}
        if buyers is None:
            buyers = {}
        lines = self._sr("purchase.order.line", [("order_id", "in", ids)],
                         ["order_id", "product_id", "name", "product_qty", "product_uom",
                          "price_unit", "date_planned", "display_type"], order="order_id,sequence,id")
        prods = {p["id"]: p for p in self._sr("product.product",
                                              [("id", "in", list({_m2o(l["product_id"]) for l in lines if l["product_id"]}))],
                                              ["default_code", "barcode", "product_tmpl_id"])}
        infos = self._sr("product.supplierinfo", [("partner_id", "in", list(partner_ids)),
                                                  ("product_tmpl_id", "in", list({_m2o(p["product_tmpl_id"]) for p in prods.values()}))],
                         ["partner_id", "product_tmpl_id", "product_code"])
        vendor_code = {(_m2o(i["partner_id"]), _m2o(i["product_tmpl_id"])): i["product_code"]
                       for i in infos if i["product_code"]}
        sent_keys = self._sent_keys("purchase.order", ids)
        by_order: dict[int, list[dict]] = {}
        for l in lines:
            if not l.get("display_type"):
                by_order.setdefault(_m2o(l["order_id"]), []).append(l)
        unit_cache: dict[str, dict[int, str]] = {}
        out = []
        for o in orders:
            pid = _m2o(o["partner_id"])
            profile = buyers.get(pid) or self._profile_for_partner(partners[pid])
            if profile is None:
                raise PermanentError(f"{o['name']}: vendor {partners[pid]['name']} has no partner profile")
            event = "cancel" if o["state"] == "cancel" else "confirm"
            if event == "cancel" and (o["id"], "confirm") not in sent_keys:
                continue  # never sent: nothing to cancel
            if not force and (o["id"], event) in sent_keys:
                continue
            if profile.name not in unit_cache:
                unit_cache[profile.name] = {v: k for k, v in self._units(profile).items()}
            rev = unit_cache[profile.name]
            olines = []
            for n, l in enumerate(by_order.get(o["id"], []), 1):
                uom = _m2o(l["product_uom"])
                if uom not in rev:
                    raise PermanentError(f"{o['name']} line {n}: Odoo unit {l['product_uom'][1]!r} "
                                         f"has no code in {profile.name}'s code_maps.units")
                prod = prods.get(_m2o(l["product_id"]), {})
                pids = []
                for rule in profile.code_maps.products:
                    value = (vendor_code.get((pid, _m2o(prod.get("product_tmpl_id"))))
                             if rule.odoo == "supplierinfo" else prod.get(rule.odoo))
                    if value:
                        pids.append(c.ProductId(rule.scheme, value))
                if not pids:
                    raise PermanentError(f"{o['name']} line {n}: product {l['name']!r} has no "
                                         f"identifier {profile.name} knows (code_maps.products)")
                olines.append(c.OrderLine(str(n), _dec(l["product_qty"]), rev[uom], pids,
                                          _dec(l["price_unit"]), l["name"],
                                          _day(l["date_planned"])))
            doc = c.PurchaseOrder(number=o["name"], date=_day(o["date_order"]),
                                  purpose="cancellation" if event == "cancel" else "original",
                                  currency=o["currency_id"][1] if o["currency_id"] else None,
                                  requested_delivery_date=_day(o["date_planned"]),
                                  parties=[c.Party("supplier", partners[pid]["name"])],
                                  lines=olines)
            out.append(Outbound(f"purchase.order/{o['id']}/{event}", profile.name, doc,
                                {"purchase.order": o["id"]}))
        return out

    def _profile_for_partner(self, partner: dict) -> Optional[Profile]:
        lister = getattr(self.profiles, "names", None)
        for name in (lister() if lister else []):
            profile = self.profiles(name)
            if profile and (profile.erp.partner_id == partner["id"]
                            or (profile.erp.partner_ref and profile.erp.partner_ref == partner["ref"])):
                return profile
        return None

    def sent(self, notice: SentNotice) -> None:
        """Chatter note on the record: what was sent, to whom, when, control numbers, channel.
        It is also the "already sent" mark extract() looks for, and what 997/CONTRL match."""
        model, rec, event = _outbound_ref(notice.key, "sent")
        if self._markers(model, [int(rec)], notice.key):
            return
        cn = notice.control_numbers
        numbers = " ".join(f"{short}={cn[long]}" for short, long in
                           (("icn", "interchange"), ("gcn", "group"), ("tcn", "transaction"))
                           if cn.get(long))
        what = _SENT_WHAT[model].get(event, event)
        self._post(model, int(rec), f"{what} sent by EDI to {notice.partner} at "
                   f"{notice.when:%Y-%m-%d %H:%M:%S} UTC: {notice.standard} {notice.version}, "
                   f"partner={notice.partner} {numbers} via {notice.transport_id}", notice.key)

    def acknowledged(self, notice: AckNotice) -> None:
        model, rec, _event = _outbound_ref(notice.key, "acknowledged")
        key = f"{notice.key}/{notice.kind}/{notice.status}"
        if self._markers(model, [int(rec)], key):
            return
        self._post(model, int(rec), f"{notice.kind} from {notice.partner}: {notice.status}"
                   + (f" ({notice.detail})" if notice.detail else ""), key)
        if notice.status in ("rejected", "missing"):
            self._activities(model, [(int(rec), f"{notice.kind} {notice.status}",
                                      f"{notice.partner}: {notice.detail or notice.status}")], key)


def _outbound_ref(key: str, what: str) -> tuple[str, str, str]:
    """(model, record id, event) of an outbound key this connector produced."""
    model, rec, event = (key.split("/") + ["", ""])[:3]
    if model not in _SENT_WHAT or not rec.isdigit():
        raise PermanentError(f"{what}: {key!r} is not the key of a document the Odoo connector "
                             "extracted (model/id/event)")
    return model, rec, event


def _said(line: c.ResponseLine) -> str:
    return " ".join(str(x) for x in (
        f"line {line.line_number}: {line.status}",
        line.quantity if line.quantity is not None else "", line.unit or "",
        f"@ {line.unit_price}" if line.unit_price is not None else "",
        f"on {line.scheduled_date}" if line.scheduled_date else "") if x != "")


def _asn_payload(body: str) -> list:
    text = _plain(body)
    m = re.search(r"edi-asn:(\[.*?\])(?: \[edi-gateway|\s*$)", text)
    return [tuple(x) for x in json.loads(m.group(1))] if m else []
