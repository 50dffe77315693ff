"""RPC calls and wall time per document against the Odoo test server, for 10, 100 and 1,000 lines.

Documents: 850 out (extract of a confirmed purchase order), 855 in (mixed line statuses),
856 in (one lot per line, packed), 850 in (a sale order, draft and confirmed), and the seller
side 855/856 out (extract of a confirmed sale order and of its validated delivery).  Calls
must not grow with the line count; the ratio column is calls (and time) against the 10-line
run of the same process.  Usage: python bench/odoo.py [--version 16|17|18]
"""
import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from gateway.connectors.base import Delivery  # noqa: E402
from tests.odoo.world import World, sized  # noqa: E402

SIZES = (10, 100, 1000)


def inbound(version, kind, n, **settings):
    with World(version) as w:
        partner, doc = sized(w, kind, n)
        conn = w.connector(**settings)
        before, t0 = w.odoo.calls, time.perf_counter()
        conn.deliver(Delivery(f"bench-{kind}-{n}", partner, doc))
        return w.odoo.calls - before, time.perf_counter() - t0


def po_out(version, n):
    with World(version) as w:
        sized(w, "855", n)  # creates the confirmed n-line purchase order P00042
        conn = w.connector()
        before, t0 = w.odoo.calls, time.perf_counter()
        out, _ = conn.extract(["acme-parts"], None)
        assert len(out) == 1 and len(out[0].document.lines) == n
        return w.odoo.calls - before, time.perf_counter() - t0


def seller_out(version, n):
    """Confirmed n-line sale order (855 out) and its validated delivery (856 out)."""
    with World(version) as w:
        partner, doc = sized(w, "850-in", n)
        conn = w.connector(confirm_sale_orders=True)
        conn.deliver(Delivery("bench-so", partner, doc))
        pick = w.rows("stock.picking", picking_type_code="outgoing")[0]["id"]
        w.odoo.ship(pick, [(m["id"], m["product_uom_qty"], f"LOT{m['id']}")
                           for m in w.rows("stock.move", picking_id=pick)])
        before, t0 = w.odoo.calls, time.perf_counter()
        out, _ = conn.extract(["corner-shop"], None)
        assert sorted(o.key.split("/")[-1] for o in out) == ["confirm", "done"], [o.key for o in out]
        return w.odoo.calls - before, time.perf_counter() - t0


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--version", type=int, default=17, choices=(16, 17, 18))
    version = parser.parse_args().version
    runs = {
        "850 out (extract PO)": lambda n: po_out(version, n),
        "855 in (mixed statuses)": lambda n: inbound(version, "855", n),
        "856 in (lots, SSCC)": lambda n: inbound(version, "856", n),
        "850 in (draft sale order)": lambda n: inbound(version, "850-in", n),
        "850 in (confirmed)": lambda n: inbound(version, "850-in", n, confirm_sale_orders=True),
        "855+856 out (extract SO)": lambda n: seller_out(version, n),
    }
    print(f"Odoo {version} test server, odoorpc over /jsonrpc on 127.0.0.1")
    print(f"{'document':28s} {'lines':>6s} {'calls':>6s} {'ratio':>6s} {'seconds':>8s} {'ratio':>6s}")
    for name, run in runs.items():
        base = None
        for n in SIZES:
            calls, secs = run(n)
            base = base or (calls, secs)
            print(f"{name:28s} {n:6d} {calls:6d} {calls / base[0]:6.2f} {secs:8.3f} {secs / base[1]:6.1f}")


if __name__ == "__main__":
    main()
