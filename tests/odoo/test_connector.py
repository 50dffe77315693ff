"""End-to-end: the Odoo connector through odoorpc against the test server, in 16/17/18 modes."""
import datetime as dt
import hashlib
from decimal import Decimal
from pathlib import Path

import pytest
import yaml

from gateway.connectors.base import Delivery
from gateway.odoo.connector import OdooConnector
from gateway.profiles.model import build_profile
from tests.odoo.server import OdooTestServer
from translators import canonical as c

ROOT = Path(__file__).resolve().parents[2]


def profile(name):
    path = ROOT / "partner_profiles" / f"{name}.yaml"
    raw = path.read_bytes()
    return build_profile(yaml.safe_load(raw), path, hashlib.sha256(raw).hexdigest())


PROFILES = {n: profile(n) for n in ("acme-parts", "corner-shop")}


@pytest.fixture(params=[16, 17, 18])
def env(request):
    with OdooTestServer(request.param) as srv:
        o = srv.odoo
        o.add("ir.model", model="purchase.order", name="Purchase Order")
        uom = o.add("uom.uom", name="Units")
        o.add("ir.model.data", module="uom", name="product_uom_unit", model="uom.uom", res_id=uom)
        acme = o.add("res.partner", name="ACME", ref="ACME")
        prods = [o.add("product.product", name=f"P{i}", default_code=f"P{i}", product_tmpl_id=100 + i)
                 for i in range(3)]
        po = o.add("purchase.order", name="P00042", partner_id=acme, state="draft",
                   date_order="2026-11-28 09:30:00", date_planned="2026-12-10 00:00:00")
        for i, p in enumerate(prods):
            lid = o.add("purchase.order.line", order_id=po, product_id=p, name=f"P{i}",
                        product_qty=10.0, product_uom=uom, price_unit=5.0,
                        date_planned="2026-12-10 00:00:00", sequence=i)
            o.data["purchase.order"][po]["order_line"].append(lid)
        o.confirm_po(po)
        conn = OdooConnector.from_config(
            {"url": srv.url, "database": "odoo", "user": "edi", "api_key": "env:K"},
            profiles=PROFILES.get, base_dir=ROOT, env={"K": "secret-key"})
        yield srv, conn, po


def test_850_sent_for_confirmed_po(env):
    srv, conn, po = env
    out, wm = conn.extract(["acme-parts"], None)
    assert [o.key for o in out] == [f"purchase.order/{po}/confirm"]
    doc = out[0].document
    assert doc.number == "P00042" and len(doc.lines) == 3
    assert doc.lines[0].unit == "EA" and doc.lines[0].product_ids[0] == c.ProductId("buyer", "P0")


def _855(lines):
    return c.OrderResponse(number="V-1", date=dt.date(2026, 12, 1), order_number="P00042",
                           status="accepted_with_changes", lines=lines)


def test_855_mixed_statuses_and_replay(env):
    srv, conn, po = env
    doc = _855([c.ResponseLine("1", "accepted", Decimal(10)),
                c.ResponseLine("2", "quantity_changed", Decimal(8), unit_price=Decimal("5.00")),
                c.ResponseLine("3", "rejected", Decimal(0))])
    res = conn.deliver(Delivery("k855", "acme-parts", doc))
    o = srv.odoo
    lines = sorted(o.data["purchase.order.line"].values(), key=lambda l: l["sequence"])
    assert lines[1]["product_qty"] == 8.0 and lines[1]["price_unit"] == 5.0
    assert o.data["stock.move"][lines[2]["move_ids"][0]]["state"] == "cancel"
    assert o.data["purchase.order"][po]["partner_ref"] == "V-1"
    assert any(e.code == "rejected_line" for e in res.exceptions)
    assert len(o.data["mail.activity"]) >= 1
    again = conn.deliver(Delivery("k855", "acme-parts", doc))
    assert again.replayed
