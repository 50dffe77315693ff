"""RPC calls per document (850 out, 855 in) for 10, 100 and 1,000 lines against the Odoo test server."""
import datetime as dt
import hashlib
import sys
from decimal import Decimal
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from gateway.connectors.base import Delivery  # noqa: E402
from gateway.odoo.connector import OdooConnector  # noqa: E402
from gateway.profiles.model import build_profile  # noqa: E402
from tests.odoo.server import OdooTestServer  # noqa: E402
from translators import canonical as c  # noqa: E402

raw = (ROOT / "partner_profiles/acme-parts.yaml").read_bytes()
PROFILE = build_profile(yaml.safe_load(raw), ROOT / "partner_profiles/acme-parts.yaml",
                        hashlib.sha256(raw).hexdigest())


def run(n):
    with OdooTestServer(17) as srv:
        o = srv.odoo
        o.add("ir.model", model="purchase.order", name="PO")
        uom = o.add("uom.uom", name="Units")
        o.add("ir.model.data", module="uom", name="product_uom_unit", model="uom.uom", res_id=uom)
        acme = o.add("res.partner", name="ACME", ref="ACME")
        prod = o.add("product.product", name="P", default_code="P", product_tmpl_id=1)
        po = o.add("purchase.order", name="P00042", partner_id=acme, state="draft",
                   date_order="2026-11-28 09:30:00")
        for i in range(n):
            lid = o.add("purchase.order.line", order_id=po, product_id=prod, name="P", product_qty=10.0,
                        product_uom=uom, price_unit=5.0, sequence=i)
            o.data["purchase.order"][po]["order_line"].append(lid)
        o.confirm_po(po)
        conn = OdooConnector.from_config({"url": srv.url, "database": "d", "user": "edi",
                                          "api_key": "env:K"}, profiles={"acme-parts": PROFILE}.get,
                                         base_dir=ROOT, env={"K": "secret-key"})
        b = o.calls
        conn.extract(["acme-parts"], None)
        out850 = o.calls - b
        doc = c.OrderResponse("V1", dt.date(2026, 12, 1), "P00042", "accepted_with_changes", lines=[
            c.ResponseLine(str(i + 1), "quantity_changed", Decimal(8), unit_price=Decimal(5)) for i in range(n)])
        b = o.calls
        conn.deliver(Delivery("k", "acme-parts", doc))
        return out850, o.calls - b


if __name__ == "__main__":
    base = None
    for n in (10, 100, 1000):
        a, b = run(n)
        base = base or (a, b)
        print(f"{n:5d} lines: 850 out {a} calls, 855 in {b} calls "
              f"(ratio to 10 lines: {a / base[0]:.2f}, {b / base[1]:.2f})")
