"""Crash after every RPC call in turn, redeliver the same key: exactly one effect in Odoo.

For each inbound kind, a clean run gives the reference Odoo state (``World.signature``: chatter
notes, activities, move lines, lots, order lines, sale orders, partners).  Then, for every
execute_kw the clean run made, a fresh world drops the connection right after Odoo applied
that call (``fail_mode = "after"``: the write happened, the answer is lost), the connector
raises TransientError, and the engine's redelivery with the same key must converge on the
reference state: no doubled quantities, lots, activities, messages or sale orders.
"""
import datetime as dt
from decimal import Decimal as D

import pytest

from gateway.connectors.base import Delivery, SentNotice
from gateway.errors import TransientError
from tests.odoo.server import READS
from tests.odoo.world import World, profile, profiles
from translators import canonical as c


def _855(w):
    w.purchase_order("P00042", w.acme, [(w.products[i], 10.0, 5.0) for i in (0, 1, 2, 3)])
    return "acme-parts", {}, c.OrderResponse("V-1", dt.date(2026, 12, 1), "P00042", "accepted_with_changes", lines=[
        c.ResponseLine("1", "quantity_changed", D(8), unit_price=D("4.5")),
        c.ResponseLine("2", "date_changed", D(10), scheduled_date=dt.date(2026, 12, 15)),
        c.ResponseLine("3", "rejected", D(0)),
        c.ResponseLine("4", "backordered", D(10), scheduled_date=dt.date(2026, 12, 20))])


def _item(code, qty, **kw):
    return c.ShipItem(None, D(qty), "EA", [c.ProductId("buyer", code)], **kw)


def _856(w, receipt="record"):
    w.purchase_order("P00042", w.acme, [(w.products[0], 10.0, 5.0), (w.products[1], 3.0, 5.0)])
    w.purchase_order("P00043", w.acme, [(w.products[2], 5.0, 5.0)])
    w.odoo.add("stock.lot", name="L-OLD", product_id=w.products[0])
    # an earlier notice on the same receipt, so accumulation is part of what must converge
    w.connector().deliver(Delivery("earlier", "acme-parts", c.ShipNotice(
        "ASN-0", dt.date(2026, 12, 1), orders=[c.ShipmentOrder("P00042", items=[_item("P0", 2, lot="L-OLD")])])))
    acme = profile("acme-parts", documents={"ship_notice": {"receipt": receipt}})
    return "acme-parts", {"acme-parts": acme}, c.ShipNotice(
        "ASN-1", dt.date(2026, 12, 2), estimated_delivery_date=dt.date(2026, 12, 4), orders=[
            c.ShipmentOrder("P00042", packs=[c.Pack(sscc="003123450000000017", items=[
                _item("P0", 6, lot="L-NEW"), _item("P1", 2, serials=["S1", "S2"]), _item("P1", 5)])]),
            c.ShipmentOrder("P00043", items=[_item("P2", 5), _item("NOPE", 1)]),
            c.ShipmentOrder("P09999", items=[_item("P2", 1)])])


def _850(w):
    return "corner-shop", {}, c.PurchaseOrder(
        "CS-1", dt.date(2026, 12, 1), parties=[c.Party("ship_to", "Store 1", "STORE01")], lines=[
            c.OrderLine("1", D(3), "DZN", [c.ProductId("vendor", "P2")], D("12.5")),
            c.OrderLine("2", D(4), "EA", [c.ProductId("gtin", "4000000000013")])])


def _997(w):
    conn = w.connector()
    for n, name in enumerate(("P00042", "P00043"), 1):
        po = w.purchase_order(name, w.acme, [(w.products[2], 1.0, 5.0)])
        conn.sent(SentNotice(f"purchase.order/{po}/confirm", "acme-parts", dt.datetime(2026, 12, 2, 8),
                             "X12", "004010", {"interchange": "9", "group": "9", "transaction": f"000{n}"}, "sftp"))
    return "acme-parts", {}, c.FunctionalAck("997", "partially_accepted", "PO", "9", transactions=[
        c.AckedTransaction("850", "0001", "accepted"), c.AckedTransaction("850", "0002", "rejected", ["5"])])


KINDS = {"855": _855, "856": _856, "856-validate": lambda w: _856(w, "validate"), "850-in": _850,
         "997": _997}


def _run(version, kind, fail_after=None):
    """(signature, methods called by the first delivery, exception raised by it)."""
    with World(version) as w:
        partner, extra, doc = KINDS[kind](w)
        conn = w.connector(profiles(**extra), confirm_sale_orders=True)
        before = w.odoo.calls
        raised = None
        if fail_after is not None:
            w.odoo.fail_at, w.odoo.fail_mode = before + fail_after, "after"
        try:
            conn.deliver(Delivery("doc-1", partner, doc))
        except TransientError as exc:
            raised = exc
        calls = w.odoo.calls - before
        methods = w.odoo.log[before:before + calls]
        w.odoo.fail_at = None
        if raised is not None:
            conn.deliver(Delivery("doc-1", partner, doc))
        final = conn.deliver(Delivery("doc-1", partner, doc))
        assert final.replayed
        return w.signature(), methods, raised


# every kind on 17; 16 (qty_done, HTML bodies) for the ship notices; the rest in the slow run
CASES = [pytest.param(k, v, marks=() if v == 17 or (v == 16 and k.startswith("856"))
                      else pytest.mark.slow)
         for k in sorted(KINDS) for v in (16, 17, 18)]


@pytest.mark.parametrize("kind,version", CASES)
def test_crash_after_each_call_then_redeliver_gives_one_effect(kind, version):
    reference, methods, raised = _run(version, kind)
    assert raised is None and len(methods) > 3
    assert reference["messages"]  # the clean run did something the signature can see
    # a crash after a read is the same as one after the write before it: sweep the writes
    writes = [n for n, (_model, method) in enumerate(methods, 1) if method not in READS]
    assert len(writes) >= 3, methods
    for n in writes:
        signature, _, raised = _run(version, kind, fail_after=n)
        what = f"{kind} on Odoo {version}: crash after call {n} of {len(methods)} {methods[n - 1]}"
        assert isinstance(raised, TransientError), f"{what}: the drop was not seen"
        assert signature == reference, what
