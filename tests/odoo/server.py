"""An Odoo JSON-RPC test server (16/17/18 modes) for the connector tests, on 127.0.0.1.

Speaks ``/web/webclient/version_info`` and ``/jsonrpc`` (common.version, common.login,
object.execute / execute_kw) like Odoo, with an in-memory ORM of the models the connector
uses.  Fields differ per version (16: ``qty_done``; 17/18: ``quantity`` + ``picked``; 16 sale
state ``done``), unknown fields are refused as Odoo refuses them, and the traps of
/work/shared/docs/odoo.md are reproduced: a quantity written without a price reprices from
the vendor pricelist, quantity 0 does not cancel the receipt move, confirmed lines cannot be
deleted.  ``fail_at``/``fail_mode`` make the Nth execute_kw fail before or after applying
(connection dropped) to test crash recovery; ``calls`` counts execute_kw.
"""
from __future__ import annotations

import copy
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

BASE = {
    "res.partner": ["name", "ref", "parent_id", "type", "street", "city", "zip", "display_name"],
    "ir.model": ["model", "name"],
    "ir.model.data": ["module", "name", "model", "res_id"],
    "uom.uom": ["name"],
    "product.product": ["default_code", "barcode", "product_tmpl_id", "name", "tracking"],
    "product.supplierinfo": ["partner_id", "product_tmpl_id", "product_id", "product_code", "price"],
    "purchase.order": ["name", "partner_id", "partner_ref", "state", "date_order", "date_planned",
                       "currency_id", "notes", "company_id", "order_line", "write_date", "receipt_status"],
    "purchase.order.line": ["order_id", "product_id", "name", "product_qty", "product_uom",
                            "price_unit", "date_planned", "display_type", "move_ids", "sequence",
                            "qty_received"],
    "stock.picking": ["name", "purchase_id", "picking_type_code", "state", "scheduled_date",
                      "date_deadline", "partner_id", "origin", "backorder_id"],
    "stock.move": ["picking_id", "product_id", "product_uom_qty", "product_uom", "state",
                   "purchase_line_id", "date_deadline"],
    "stock.move.line": ["move_id", "picking_id", "product_id", "product_uom_id", "lot_name", "lot_id"],
    "stock.lot": ["name", "product_id"],
    "sale.order": ["name", "partner_id", "partner_shipping_id", "client_order_ref", "state",
                   "order_line", "date_order", "commitment_date"],
    "sale.order.line": ["order_id", "product_id", "product_uom_qty", "product_uom", "price_unit", "name"],
    "mail.message": ["model", "res_id", "body", "message_type"],
    "mail.activity": ["res_model_id", "res_model", "res_id", "summary", "note", "user_id"],
    "stock.backorder.confirmation": ["pick_ids"],
}
M2O = {"partner_id": "res.partner", "parent_id": "res.partner", "product_id": "product.product",
       "product_tmpl_id": "product.template", "product_uom": "uom.uom", "product_uom_id": "uom.uom",
       "order_id": None, "purchase_id": "purchase.order", "picking_id": "stock.picking",
       "move_id": "stock.move", "currency_id": "res.currency", "company_id": "res.company",
       "partner_shipping_id": "res.partner", "res_model_id": "ir.model", "user_id": "res.users",
       "lot_id": "stock.lot", "purchase_line_id": "purchase.order.line", "backorder_id": "stock.picking"}
O2M = {("purchase.order", "order_line"): ("purchase.order.line", "order_id"),
       ("sale.order", "order_line"): ("sale.order.line", "order_id"),
       ("purchase.order.line", "move_ids"): ("stock.move", "purchase_line_id")}


class RpcFault(Exception):
    pass


class Drop(Exception):
    pass


class FakeOdoo:
    def __init__(self, version: int) -> None:
        self.version = version
        self.fields = {m: set(f) | {"id", "display_name", "write_date"} for m, f in BASE.items()}
        if version == 16:
            self.fields["stock.move.line"] |= {"qty_done", "reserved_uom_qty"}
        else:
            self.fields["stock.move.line"] |= {"quantity", "picked"}
            self.fields["stock.move"] |= {"quantity", "picked"}
        self.data: dict[str, dict[int, dict]] = {m: {} for m in BASE}
        self.next_id = 1
        self.calls = 0
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
                        rec[k].append(self.add(sub, **{inverse: rid, **cmd[2]}))
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
            if op == "ilike" and str(val).lower() not in str(v or "").lower():
                return False
            if op == ">=" and not (v and v >= val):
                return False
            if op == ">" and not (v and v > val):
                return False
        return True

    def search(self, model, domain, order=None, limit=None):
        self._check(model, [t[0] for t in domain if isinstance(t, (list, tuple))])
        ids = [r["id"] for r in self.data[model].values() if self.match(model, r, domain)]
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
        kw.pop("context", None)
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
            for i in ids:
                if model == "purchase.order" and "order_line" in vals:
                    cmds = vals["order_line"]
                    if any(c[0] == 2 for c in cmds) and self.data[model][i]["state"] == "purchase":
                        raise RpcFault("Cannot delete a purchase order line which is in state 'purchase'.")
                self.write_line(model, i, vals)
            return True
        if method == "unlink":
            for i in args[0]:
                self.data[model].pop(i, None)
            return True
        if method == "message_post":
            (rid,) = args[0] if isinstance(args[0], list) else [args[0]]
            return self.add("mail.message", model=model, res_id=rid, body=kw.get("body", ""),
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
                self.data[model][i]["state"] = "sale"
            return True
        if method == "action_cancel":
            for i in args[0]:
                self.data[model][i]["state"] = "cancel"
            return True
        if method == "button_validate":
            return self.validate(args[0][0])
        if method == "process":
            for wiz in args[0]:
                for pid in self.data[model][wiz]["pick_ids"]:
                    self.finish(pid, backorder=True)
            return True
        raise RpcFault(f"The method '{method}' does not exist on the model '{model}'")

    def create(self, model, vals):
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

    def done_qty(self, ml):
        return ml.get("qty_done" if self.version == 16 else "quantity") or 0

    def validate(self, pid):
        moves = [m for m in self.data["stock.move"].values() if m["picking_id"] == pid and m["state"] != "cancel"]
        mls = [ml for ml in self.data["stock.move.line"].values() if ml["picking_id"] == pid]
        for ml in mls:
            if ml["lot_name"] and not ml["lot_id"]:
                found = [l["id"] for l in self.data["stock.lot"].values()
                         if l["name"] == ml["lot_name"] and l["product_id"] == ml["product_id"]]
                ml["lot_id"] = found[0] if found else self.add("stock.lot", name=ml["lot_name"], product_id=ml["product_id"])
        short = any(sum(self.done_qty(ml) for ml in mls if ml["move_id"] == m["id"]) < m["product_uom_qty"] for m in moves)
        if short:
            return {"type": "ir.actions.act_window", "res_model": "stock.backorder.confirmation",
                    "context": {"button_validate_picking_ids": [pid], "default_pick_ids": [[4, pid]]}}
        self.finish(pid, backorder=False)
        return True

    def finish(self, pid, backorder):
        pick = self.data["stock.picking"][pid]
        rest = []
        for m in [m for m in self.data["stock.move"].values() if m["picking_id"] == pid and m["state"] != "cancel"]:
            done = sum(self.done_qty(ml) for ml in self.data["stock.move.line"].values() if ml["move_id"] == m["id"])
            if done < m["product_uom_qty"]:
                rest.append((m, m["product_uom_qty"] - done))
                m["product_uom_qty"] = done
            m["state"] = "done"
            if m["purchase_line_id"]:
                self.data["purchase.order.line"][m["purchase_line_id"]]["qty_received"] += done
        pick["state"] = "done"
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
            if odoo.fail_at == odoo.calls and odoo.fail_mode == "before":
                raise Drop()
            snapshot = copy.deepcopy((odoo.data, odoo.next_id))
            try:
                result = odoo.execute_kw(model, meth, margs, kw)
            except RpcFault:
                odoo.data, odoo.next_id = snapshot  # one transaction per call
                raise
            if odoo.fail_at == odoo.calls and odoo.fail_mode == "after":
                raise Drop()
            return result
        raise RpcFault(f"unknown service {service}.{method}")


class OdooTestServer:
    def __init__(self, version: int) -> None:
        self.odoo = FakeOdoo(version)
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        self.httpd.odoo = self.odoo
        self.port = self.httpd.server_address[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.httpd.shutdown()
        self.httpd.server_close()
