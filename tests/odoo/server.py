"""An Odoo JSON-RPC test server (16/17/18 modes) for the connector tests, on 127.0.0.1.

Speaks ``/web/webclient/version_info`` and ``/jsonrpc`` (common.version, common.login,
object.execute / execute_kw) like Odoo, with an in-memory ORM of the models the connector
uses.  Checked against the Odoo 16/17/18 Community sources (docs/odoo-connector.md lists what):
fields differ per version (16: ``qty_done``/``reserved_uom_qty``/``quantity_done``; 17/18:
``quantity`` + ``picked``, ``sale.order.locked``), unknown fields are refused as Odoo refuses
them, ``message_post`` stores HTML on 16 and escapes a str body on 17/18, and the traps of
/work/shared/docs/odoo.md are reproduced: a quantity written without a price reprices from
the vendor pricelist, quantity 0 does not cancel the receipt move, confirmed lines cannot be
deleted; ``button_validate`` returns the backorder wizard (lots are created only when the
picking is done), whose ``process`` validates the pickings named in its context;
``sale.order.action_cancel`` returns the cancel wizard unless ``disable_cancel_warning``.
Each execute_kw is one transaction (rolled back on error).  ``fail_at``/``fail_mode`` make the
Nth execute_kw fail before or after applying (connection dropped) to test crash recovery;
``calls`` counts execute_kw.
"""
from __future__ import annotations

import copy
import json
import re
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

BASE = {
    "res.partner": ["name", "ref", "parent_id", "type", "street", "city", "zip", "display_name"],
    "ir.model": ["model", "name"],
    "res.currency": ["name"],
    "ir.model.data": ["module", "name", "model", "res_id"],
    "uom.uom": ["name"],
    "product.product": ["default_code", "barcode", "product_tmpl_id", "name", "tracking"],
    "product.supplierinfo": ["partner_id", "product_tmpl_id", "product_id", "product_code", "price"],
    "purchase.order": ["name", "partner_id", "partner_ref", "state", "date_order", "date_planned",
                       "currency_id", "notes", "company_id", "order_line", "write_date", "receipt_status"],
    "purchase.order.line": ["order_id", "product_id", "name", "product_qty", "product_uom",
                            "price_unit", "date_planned", "display_type", "move_ids", "sequence",
                            "qty_received"],
    "stock.picking": ["name", "purchase_id", "sale_id", "picking_type_code", "state",
                      "scheduled_date", "date_deadline", "date_done", "partner_id", "origin",
                      "backorder_id"],
    "stock.move": ["picking_id", "product_id", "product_uom_qty", "product_uom", "state",
                   "purchase_line_id", "sale_line_id", "date_deadline"],
    "stock.move.line": ["move_id", "picking_id", "product_id", "product_uom_id", "lot_name", "lot_id"],
    "stock.lot": ["name", "product_id"],
    "sale.order": ["name", "partner_id", "partner_invoice_id", "partner_shipping_id",
                   "client_order_ref", "origin", "state", "order_line", "date_order",
                   "commitment_date", "currency_id", "picking_ids"],
    "sale.order.line": ["order_id", "product_id", "product_uom_qty", "product_uom", "price_unit",
                        "name", "display_type", "sequence", "qty_delivered", "move_ids"],
    "mail.message": ["model", "res_id", "body", "message_type"],
    "mail.activity": ["res_model_id", "res_model", "res_id", "summary", "note", "user_id"],
    "stock.backorder.confirmation": ["pick_ids"],
}
M2O = {"partner_id": "res.partner", "parent_id": "res.partner", "product_id": "product.product",
       "product_tmpl_id": "product.template", "product_uom": "uom.uom", "product_uom_id": "uom.uom",
       "order_id": None, "purchase_id": "purchase.order", "picking_id": "stock.picking",
       "move_id": "stock.move", "currency_id": "res.currency", "company_id": "res.company",
       "partner_shipping_id": "res.partner", "res_model_id": "ir.model", "user_id": "res.users",
       "lot_id": "stock.lot", "purchase_line_id": "purchase.order.line", "backorder_id": "stock.picking",
       "sale_id": "sale.order", "sale_line_id": "sale.order.line",
       "partner_invoice_id": "res.partner", "carrier_id": "delivery.carrier"}
O2M = {("purchase.order", "order_line"): ("purchase.order.line", "order_id"),
       ("sale.order", "order_line"): ("sale.order.line", "order_id"),
       ("purchase.order.line", "move_ids"): ("stock.move", "purchase_line_id"),
       ("sale.order.line", "move_ids"): ("stock.move", "sale_line_id"),
       ("sale.order", "picking_ids"): ("stock.picking", "sale_id")}
READS = {"search_read", "search", "read", "fields_get", "search_count"}
#: mail.message kwargs message_post accepts over RPC (the rest are refused as Odoo refuses them)
POST_KW = {"body", "message_type", "subtype_xmlid", "subtype_id", "subject", "partner_ids",
           "body_is_html"}


def ilike(value: str) -> "re.Pattern[str]":
    """Odoo's ilike: ``%value%`` with the value's own ``%`` and ``_`` left as SQL wildcards."""
    return re.compile("".join(".*" if ch == "%" else "." if ch == "_" else re.escape(ch)
                              for ch in value), re.IGNORECASE | re.DOTALL)


def escape(text: str) -> str:
    """markupsafe.escape, which Odoo 17/18 apply to a str body in message_post."""
    return (text.replace("&", "&amp;").replace(">", "&gt;").replace("<", "&lt;")
            .replace("'", "&#39;").replace('"', "&#34;"))


class RpcFault(Exception):
    pass


class Drop(Exception):
    pass


class FakeOdoo:
    def __init__(self, version: int, *, delivery_module: bool = False) -> None:
        self.version = version
        self.fields = {m: set(f) | {"id", "display_name", "write_date"} for m, f in BASE.items()}
        if version == 16:
            self.fields["stock.move.line"] |= {"qty_done", "reserved_uom_qty"}
            self.fields["stock.move"] |= {"quantity_done"}
        else:
            self.fields["stock.move.line"] |= {"quantity", "picked"}
            self.fields["stock.move"] |= {"quantity", "picked"}
            self.fields["sale.order"] |= {"locked"}
        if delivery_module:  # delivery (16) / stock_delivery (17, 18)
            self.fields["stock.picking"] |= {"carrier_tracking_ref", "carrier_id"}
            self.fields["delivery.carrier"] = {"id", "display_name", "write_date", "name",
                                               "active", "delivery_type"}
        self.data: dict[str, dict[int, dict]] = {m: {} for m in self.fields}
        self.next_id = 1
        self.calls = 0
        self.log: list[tuple[str, str]] = []  # (model, method) of every execute_kw, in order
        self.fail_at: int | None = None
        self.fail_mode = "before"
        self.clock = 0
        self.lock = threading.Lock()
        self.api_key = "secret-key"

    # ---------------------------------------------------------------- ORM
    def now(self) -> str:
        self.clock += 1
        return f"2026-12-01 10:{self.clock // 60:02d}:{self.clock % 60:02d}"

    def add(self, _model: str, **vals: Any) -> int:
        model = _model
        rid = self.next_id
        self.next_id += 1
        rec = {f: False for f in self.fields[model]}
        for (m, f), _ in O2M.items():
            if m == model:
                rec[f] = []
        rec.update(id=rid, write_date=self.now())
        self.data[model][rid] = rec
        self._write(model, rid, vals)
        return rid

    def _check(self, model: str, names) -> None:
        if model not in self.fields:
            raise RpcFault(f"Object {model} doesn't exist")
        for n in names:
            if n not in self.fields[model]:
                raise RpcFault(f"Invalid field '{n}' on model '{model}'")

    def _write(self, model: str, rid: int, vals: dict) -> None:
        self._check(model, vals)
        rec = self.data[model][rid]
        for k, v in vals.items():
            if (model, k) in O2M:
                sub, inverse = O2M[(model, k)]
                for cmd in v:
                    if cmd[0] == 0:
                        rec[k].append(self.create(sub, {inverse: rid, **cmd[2]}))
                    elif cmd[0] == 1:
                        self.write_line(sub, cmd[1], cmd[2])
                    elif cmd[0] == 4:
                        rec[k].append(cmd[1])
                continue
            rec[k] = v
        rec["write_date"] = self.now()

    def write_line(self, model: str, rid: int, vals: dict) -> None:
        if model == "purchase.order.line":
            line = self.data[model][rid]
            po = self.data["purchase.order"][line["order_id"]]
            vals = dict(vals)
            if "product_qty" in vals and "price_unit" not in vals:
                info = [i for i in self.data["product.supplierinfo"].values()
                        if i["partner_id"] == po["partner_id"]]
                vals["price_unit"] = info[0]["price"] if info else line["price_unit"]
            self._write(model, rid, vals)
            for mid in line["move_ids"]:
                move = self.data["stock.move"][mid]
                if "product_qty" in vals:
                    if vals["product_qty"] == 0:  # Odoo keeps the move, adds a return move
                        self.add("stock.move", picking_id=False, product_id=move["product_id"],
                                 product_uom_qty=move["product_uom_qty"], state="draft")
                    else:
                        move["product_uom_qty"] = vals["product_qty"]
                if "date_planned" in vals:
                    move["date_deadline"] = vals["date_planned"]
            return
        self._write(model, rid, vals)

    def value(self, model: str, rec: dict, f: str) -> Any:
        v = rec.get(f, False)
        if f == "display_name":
            return rec.get("name") or f"{model},{rec['id']}"
        if f in M2O and v and f != "order_id" and not isinstance(v, list):
            target = self.data.get(M2O[f], {}).get(v)
            return [v, (target or {}).get("name") or f"{M2O[f]},{v}"]
        if f == "order_id" and v:
            return [v, "order"]
        if f == "picking_type_code" and model == "stock.picking":
            return rec.get(f)
        return copy.deepcopy(v)

    def match(self, model: str, rec: dict, domain: list) -> bool:
        for term in domain:
            if term in ("&",):
                continue
            f, op, val = term
            v = rec.get(f, False)
            if isinstance(v, list) and v and f not in ("order_line", "move_ids"):
                v = v[0]
            if op == "=" and not v == val:
                return False
            if op == "!=" and v == val:
                return False
            if op == "in" and v not in val:
                return False
            if op == "not in" and v in val:
                return False
            if op == "ilike" and not ilike(str(val)).search(str(v or "")):
                return False
            if op == ">=" and not (v and v >= val):
                return False
            if op == ">" and not (v and v > val):
                return False
        return True

    def search(self, model, domain, order=None, limit=None):
        self._check(model, [t[0] for t in domain if isinstance(t, (list, tuple))])
        active_test = "active" in self.fields[model] and not any(
            isinstance(t, (list, tuple)) and t[0] == "active" for t in domain)
        ids = [r["id"] for r in self.data[model].values() if self.match(model, r, domain)
               and not (active_test and r.get("active") is False)]
        if order:
            keys = [k.strip().split()[0] for k in order.split(",")]
            ids.sort(key=lambda i: tuple(str(self.data[model][i].get(k) or "").zfill(20) if k in ("id", "sequence", "order_id") else str(self.data[model][i].get(k) or "") for k in keys))
        return ids[:limit] if limit else ids

    def read(self, model, ids, fields):
        self._check(model, fields)
        return [{"id": i, **{f: self.value(model, self.data[model][i], f) for f in fields if f != "id"}}
                for i in ids if i in self.data[model]]

    # ---------------------------------------------------------------- methods
    def execute_kw(self, model, method, args, kw):
        kw = dict(kw or {})
        ctx = kw.pop("context", None) or {}
        if model not in self.fields:
            raise RpcFault(f"Object {model} doesn't exist")
        if method == "search_read":
            ids = self.search(model, args[0] if args else kw.get("domain", []),
                              kw.get("order"), kw.get("limit"))
            return self.read(model, ids, kw.get("fields") or sorted(self.fields[model]))
        if method == "search":
            return self.search(model, args[0], kw.get("order"), kw.get("limit"))
        if method == "read":
            return self.read(model, args[0], args[1] if len(args) > 1 else kw.get("fields", []))
        if method == "fields_get":
            return {f: {"type": "char"} for f in self.fields[model]}
        if method == "create":
            vals = args[0]
            if isinstance(vals, list):
                return [self.create(model, v) for v in vals]
            return self.create(model, vals)
        if method == "write":
            ids, vals = args
            if model == "stock.move" and vals.get("state") == "cancel":
                for i in ids:
                    if self.data[model][i]["state"] == "done":
                        raise RpcFault("You cannot cancel a stock move that has been set to 'Done'.")
            for i in ids:
                if model == "purchase.order" and "order_line" in vals:
                    cmds = vals["order_line"]
                    if any(c[0] == 2 for c in cmds) and self.data[model][i]["state"] == "purchase":
                        raise RpcFault("Cannot delete a purchase order line which is in state 'purchase'.")
                self.write_line(model, i, vals)
            if model == "stock.move":
                self.picking_states({self.data[model][i]["picking_id"] for i in ids})
            return True
        if method == "unlink":
            for i in args[0]:
                self.data[model].pop(i, None)
            return True
        if method == "message_post":
            ids = args[0] if isinstance(args[0], list) else [args[0]]
            if len(ids) != 1 or ids[0] not in self.data[model]:
                raise RpcFault(f"Expected singleton: {model}{tuple(ids)}")  # ensure_one()
            bad = set(kw) - POST_KW - ({"body_is_html"} if self.version >= 17 else set())
            if bad or (self.version == 16 and "body_is_html" in kw):
                raise RpcFault(f"message_post() got an unexpected keyword argument {sorted(bad)}")
            body = kw.get("body", "")
            if self.version >= 17 and not kw.get("body_is_html"):
                body = escape(body)  # "str content will be escaped"
            return self.add("mail.message", model=model, res_id=ids[0], body=body,
                            message_type=kw.get("message_type", "notification"))
        if method == "button_confirm":
            for i in args[0]:
                self.confirm_po(i)
            return True
        if method == "button_cancel":
            for i in args[0]:
                self.data[model][i]["state"] = "cancel"
                self.data[model][i]["write_date"] = self.now()
            return True
        if method == "action_confirm":
            for i in args[0]:
                if self.data[model][i]["state"] not in ("draft", "sent"):
                    raise RpcFault("Some orders are not in a state requiring confirmation.")
                self.confirm_so(i)
            return True
        if method == "action_cancel":
            recs = [self.data[model][i] for i in args[0]]
            if model == "sale.order":
                if any(r.get("locked") for r in recs):
                    raise RpcFault("You cannot cancel a locked order. Please unlock it first.")
                if not ctx.get("disable_cancel_warning") and any(r["state"] != "draft" for r in recs):
                    # _show_cancel_wizard(): the sale.order.cancel wizard, nothing cancelled
                    return {"type": "ir.actions.act_window", "res_model": "sale.order.cancel",
                            "context": {"default_order_id": args[0][0]}}
            for i in args[0]:
                self.data[model][i]["state"] = "cancel"
                self.data[model][i]["write_date"] = self.now()
                for pid in self.data[model][i].get("picking_ids") or []:
                    if self.data["stock.picking"][pid]["state"] != "done":
                        self.data["stock.picking"][pid]["state"] = "cancel"
            return True
        if method == "button_validate":
            return self.validate(args[0][0])
        if method == "process":
            # stock.backorder.confirmation.process validates button_validate_picking_ids of the
            # context (the action's context); without it, it does nothing and returns True
            for pid in ctx.get("button_validate_picking_ids") or []:
                self.finish(pid, backorder=True)
            return True
        raise RpcFault(f"The method '{method}' does not exist on the model '{model}'")

    def create(self, model, vals):
        if model == "sale.order.line" and not vals.get("name"):  # name: computed from the product
            vals = dict(vals, name=self.data["product.product"].get(vals.get("product_id"), {}).get("name") or "/")
        if model == "mail.activity":
            vals = dict(vals)
            vals["res_model"] = self.data["ir.model"][vals["res_model_id"]]["model"]
        if model == "stock.backorder.confirmation":
            vals = {"pick_ids": [c[1] for c in vals.get("pick_ids", [])]}
        if model == "sale.order":
            vals = dict(vals)
            vals.setdefault("name", f"S{self.next_id:05d}")
            vals.setdefault("state", "draft")
        return self.add(model, **vals)

    def confirm_po(self, po_id):
        po = self.data["purchase.order"][po_id]
        po["state"] = "purchase"
        po["write_date"] = self.now()
        pick = self.add("stock.picking", name=f"WH/IN/{po_id:05d}", purchase_id=po_id,
                        picking_type_code="incoming", state="assigned", partner_id=po["partner_id"],
                        origin=po["name"])
        qty = "reserved_uom_qty" if self.version == 16 else "quantity"
        for lid in po["order_line"]:
            line = self.data["purchase.order.line"][lid]
            mid = self.add("stock.move", picking_id=pick, product_id=line["product_id"],
                           product_uom_qty=line["product_qty"], product_uom=line["product_uom"],
                           state="assigned", purchase_line_id=lid)
            line["move_ids"] = [mid]
            self.add("stock.move.line", move_id=mid, picking_id=pick, product_id=line["product_id"],
                     product_uom_id=line["product_uom"], **{qty: line["product_qty"]})

    def picking_states(self, pids):
        """stock.picking.state is computed from its moves: all cancelled -> cancel."""
        for pid in pids:
            moves = [m for m in self.data["stock.move"].values() if m["picking_id"] == pid]
            if moves and all(m["state"] == "cancel" for m in moves):
                self.data["stock.picking"][pid]["state"] = "cancel"

    def confirm_so(self, so_id):
        so = self.data["sale.order"][so_id]
        so["state"] = "sale"
        so["date_order"] = so["write_date"] = self.now()  # _prepare_confirmation_values
        pick = self.add("stock.picking", name=f"WH/OUT/{so_id:05d}", sale_id=so_id,
                        picking_type_code="outgoing", state="assigned",
                        partner_id=so["partner_shipping_id"] or so["partner_id"], origin=so["name"])
        so["picking_ids"] = [pick]
        for lid in so["order_line"]:
            line = self.data["sale.order.line"][lid]
            if line["display_type"]:
                continue
            mid = self.add("stock.move", picking_id=pick, product_id=line["product_id"],
                           product_uom_qty=line["product_uom_qty"], product_uom=line["product_uom"],
                           state="assigned", sale_line_id=lid)
            line["move_ids"] = [mid]

    def ship(self, pid, lines):
        """The warehouse validates a delivery: ``lines`` = [(move id, qty, lot name or None)]."""
        qty = "qty_done" if self.version == 16 else "quantity"
        for ml in [k for k, v in self.data["stock.move.line"].items() if v["picking_id"] == pid]:
            del self.data["stock.move.line"][ml]
        for mid, q, lot in lines:
            move = self.data["stock.move"][mid]
            lot_id = False
            if lot:
                found = [l["id"] for l in self.data["stock.lot"].values()
                         if l["name"] == lot and l["product_id"] == move["product_id"]]
                lot_id = found[0] if found else self.add("stock.lot", name=lot, product_id=move["product_id"])
            self.add("stock.move.line", move_id=mid, picking_id=pid, product_id=move["product_id"],
                     product_uom_id=move["product_uom"], lot_id=lot_id, **{qty: q})
        self.finish(pid, backorder=False)
        self.data["stock.picking"][pid]["date_done"] = self.now()
        for m in self.data["stock.move"].values():
            if m["picking_id"] == pid and m["sale_line_id"]:
                line = self.data["sale.order.line"][m["sale_line_id"]]
                line["qty_delivered"] = sum(self.done_qty(ml) for ml in self.data["stock.move.line"].values()
                                            if ml["move_id"] == m["id"])

    def done_qty(self, ml):
        return ml.get("qty_done" if self.version == 16 else "quantity") or 0

    def counted(self, mls):
        """Move lines validation counts: 16 qty_done; 17/18 the picked lines, or all when none
        is picked (button_validate picks everything then)."""
        if self.version == 16 or not any(ml.get("picked") for ml in mls):
            return mls
        return [ml for ml in mls if ml.get("picked")]

    def validate(self, pid):
        moves = [m for m in self.data["stock.move"].values() if m["picking_id"] == pid and m["state"] != "cancel"]
        mls = [ml for ml in self.data["stock.move.line"].values() if ml["picking_id"] == pid]
        mls = self.counted(mls)
        short = any(sum(self.done_qty(ml) for ml in mls if ml["move_id"] == m["id"]) < m["product_uom_qty"] for m in moves)
        if short:  # nothing is done (no lot created) until the wizard is processed
            return {"type": "ir.actions.act_window", "res_model": "stock.backorder.confirmation",
                    "context": {"button_validate_picking_ids": [pid], "default_pick_ids": [[4, pid]]}}
        self.finish(pid, backorder=False)
        return True

    def assign_lots(self, mls):
        """stock.move.line._create_and_assign_production_lot, at _action_done."""
        for ml in mls:
            if ml["lot_name"] and not ml["lot_id"]:
                found = [l["id"] for l in self.data["stock.lot"].values()
                         if l["name"] == ml["lot_name"] and l["product_id"] == ml["product_id"]]
                if found:  # stock.lot's (name, product_id, company_id) unique constraint
                    raise RpcFault("The combination of serial number and product must be unique "
                                   f"across a company.\nProduct: {ml['product_id']} Lot: {ml['lot_name']}")
                ml["lot_id"] = self.add("stock.lot", name=ml["lot_name"], product_id=ml["product_id"])

    def finish(self, pid, backorder):
        pick = self.data["stock.picking"][pid]
        rest = []
        mls = self.counted([ml for ml in self.data["stock.move.line"].values() if ml["picking_id"] == pid])
        for ml in [v for v in self.data["stock.move.line"].values() if v["picking_id"] == pid and v not in mls]:
            del self.data["stock.move.line"][ml["id"]]  # unpicked lines go with the backorder
        self.assign_lots(mls)
        pick["date_done"] = self.now()
        for m in [m for m in self.data["stock.move"].values() if m["picking_id"] == pid and m["state"] != "cancel"]:
            done = sum(self.done_qty(ml) for ml in mls if ml["move_id"] == m["id"])
            if done < m["product_uom_qty"]:
                rest.append((m, m["product_uom_qty"] - done))
                m["product_uom_qty"] = done
            m["state"] = "done"
            if m["purchase_line_id"]:
                self.data["purchase.order.line"][m["purchase_line_id"]]["qty_received"] += done
        pick["state"] = "done"
        pick["write_date"] = self.now()
        if backorder and rest:
            bo = self.add("stock.picking", name=pick["name"] + "-BO", purchase_id=pick["purchase_id"],
                          picking_type_code="incoming", state="assigned", backorder_id=pid)
            for m, q in rest:
                nm = self.add("stock.move", picking_id=bo, product_id=m["product_id"], product_uom_qty=q,
                              product_uom=m["product_uom"], state="assigned", purchase_line_id=m["purchase_line_id"])
                self.data["purchase.order.line"][m["purchase_line_id"]]["move_ids"].append(nm)


class _Handler(BaseHTTPRequestHandler):
    def log_message(self, *a):
        pass

    def do_POST(self):
        odoo: FakeOdoo = self.server.odoo
        req = json.loads(self.rfile.read(int(self.headers["Content-Length"])) or b"{}")
        params = req.get("params", {})
        try:
            with odoo.lock:
                result = self.dispatch(odoo, params)
            body = {"jsonrpc": "2.0", "id": req.get("id"), "result": result}
        except Drop:
            self.close_connection = True
            self.connection.shutdown(2)
            return
        except RpcFault as exc:
            body = {"jsonrpc": "2.0", "id": req.get("id"), "error": {
                "code": 200, "message": "Odoo Server Error",
                "data": {"name": "odoo.exceptions.ValidationError", "message": str(exc),
                         "debug": str(exc), "arguments": [str(exc)]}}}
        data = json.dumps(body).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def dispatch(self, odoo: FakeOdoo, params):
        if self.path == "/web/webclient/version_info":
            return {"server_version": f"{odoo.version}.0", "server_version_info": [odoo.version, 0, 0, "final", 0, ""],
                    "server_serie": f"{odoo.version}.0", "protocol_version": 1}
        if self.path != "/jsonrpc":
            raise RpcFault(f"404: {self.path}")
        service, method, args = params["service"], params["method"], params.get("args", [])
        if service == "common" and method == "version":
            return self.dispatch.__self__ and {"server_version": f"{odoo.version}.0"}
        if service == "common" and method in ("login", "authenticate"):
            return 2 if args[1] == "edi" and args[2] == odoo.api_key else False
        if service == "object":
            if args[2] != odoo.api_key:
                raise RpcFault("Access Denied")
            if method == "execute":
                if args[3] == "res.users" and args[4] == "context_get":
                    return {"lang": "en_US", "tz": "UTC"}
                raise RpcFault("execute: unsupported")
            model, meth, margs = args[3], args[4], args[5]
            kw = args[6] if len(args) > 6 else {}
            odoo.calls += 1
            odoo.log.append((model, meth))
            if odoo.fail_at == odoo.calls and odoo.fail_mode == "before":
                raise Drop()
            reading = meth in READS
            snapshot = None if reading else copy.deepcopy((odoo.data, odoo.next_id))
            try:
                result = odoo.execute_kw(model, meth, margs, kw)
            except RpcFault:
                if snapshot is not None:
                    odoo.data, odoo.next_id = snapshot  # one transaction per call
                raise
            if odoo.fail_at == odoo.calls and odoo.fail_mode == "after":
                raise Drop()
            return result
        raise RpcFault(f"unknown service {service}.{method}")


class OdooTestServer:
    def __init__(self, version: int, *, delivery_module: bool = False) -> None:
        self.odoo = FakeOdoo(version, delivery_module=delivery_module)
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        self.httpd.odoo = self.odoo
        self.port = self.httpd.server_address[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.02},
                                       daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.httpd.shutdown()
        self.httpd.server_close()
