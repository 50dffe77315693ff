"""Outbound through the connector, Odoo 16/17/18: purchase orders (and their cancellation) for
suppliers; order responses and ship notices for customers; sent()/acknowledged() notes."""
import datetime as dt
import html
import io
from decimal import Decimal as D

import pytest

from gateway.connectors.base import AckNotice, Delivery, SentNotice
from gateway.errors import PermanentError
from tests.odoo.world import World
from translators import canonical as c
from translators import pipeline


@pytest.fixture(params=[16, 17, 18])
def world(request):
    with World(request.param) as w:
        yield w


def _sent(conn, out, icn="000000101", gcn="101", tcn="0001"):
    conn.sent(SentNotice(out.key, out.partner, dt.datetime(2026, 12, 2, 8, 30), "X12", "004010",
                         {"interchange": icn, "group": gcn, "transaction": tcn}, "sftp:acme"))


# ---------------------------------------------------------------------- buyer: 850 out

def test_po_sent_once_then_cancellation(world):
    w = world
    po = w.purchase_order("P00042", w.acme, [(w.products[0], 10.0, 5.0), (w.products[1], 2.0, 7.25)])
    w.purchase_order("P00050", w.acme, [(w.products[0], 1.0, 5.0)], confirm=False)  # a draft: never sent
    conn = w.connector()
    out, mark = conn.extract(["acme-parts"], None)
    assert [o.key for o in out] == [f"purchase.order/{po}/confirm"]
    doc = out[0].document
    assert (doc.number, doc.purpose, doc.date) == ("P00042", "original", dt.date(2026, 11, 28))
    assert [(l.line_number, l.quantity, l.unit, l.unit_price) for l in doc.lines] == [
        ("1", D("10.0"), "EA", D("5.0")), ("2", D("2.0"), "EA", D("7.25"))]
    assert c.ProductId("vendor", "VP-0") in doc.lines[0].product_ids
    _sent(conn, out[0])
    note = html.unescape(w.messages("purchase.order", po)[-1])
    assert "Purchase order sent by EDI to acme-parts at 2026-12-02 08:30:00 UTC" in note
    assert "icn=000000101 gcn=101 tcn=0001" in note
    assert conn.extract(["acme-parts"], mark)[0] == []       # sent: never again
    assert conn.extract(["acme-parts"], None)[0] == []        # not even from the beginning
    conn.sent(SentNotice(out[0].key, "acme-parts", dt.datetime(2026, 12, 2), "X12", "004010", {}, "x"))
    assert len(w.messages("purchase.order", po)) == 1         # sent() is idempotent too
    w.odoo.execute_kw("purchase.order", "button_cancel", [[po]], {})
    out2, mark2 = conn.extract(["acme-parts"], mark)
    assert [(o.key, o.document.purpose) for o in out2] == [(f"purchase.order/{po}/cancel", "cancellation")]
    raw = pipeline.render(c.document_to_dict(out2[0].document), standard="x12", version="004010",
                          sender="OURCOMPANY", receiver="ACMEPARTS")
    assert b"BEG*01*" in raw  # X12 purpose 01: cancellation
    _sent(conn, out2[0], gcn="102")
    assert conn.extract(["acme-parts"], mark2)[0] == []
    # on demand: a resend, even though it was sent
    assert [o.key for o in conn.outbound_for("po", "P00042")] == [f"purchase.order/{po}/cancel"]


def test_cancelled_before_sending_sends_nothing(world):
    w = world
    po = w.purchase_order("P00042", w.acme, [(w.products[0], 1.0, 5.0)])
    w.odoo.execute_kw("purchase.order", "button_cancel", [[po]], {})
    assert w.connector().extract(["acme-parts"], None)[0] == []


def test_on_demand_errors_name_the_reference(world):
    w = world
    w.purchase_order("P00050", w.acme, [(w.products[0], 1.0, 5.0)], confirm=False)
    conn = w.connector()
    with pytest.raises(PermanentError, match="P09999"):
        conn.outbound_for("po", "P09999")
    with pytest.raises(PermanentError, match="P00050 is draft"):
        conn.outbound_for("po", "P00050")
    with pytest.raises(PermanentError, match="unknown kind"):
        conn.outbound_for("invoice", "X")


def test_acknowledged_posts_once_and_flags_rejections(world):
    w = world
    po = w.purchase_order("P00042", w.acme, [(w.products[0], 1.0, 5.0)])
    conn = w.connector()
    (out,) = conn.extract(["acme-parts"], None)[0]
    _sent(conn, out)
    for _ in range(2):
        conn.acknowledged(AckNotice(out.key, "acme-parts", "mdn", "accepted"))
        conn.acknowledged(AckNotice(out.key, "acme-parts", "functional_ack", "rejected", "AK5 R 5"))
    notes = [html.unescape(b) for b in w.messages("purchase.order", po)]
    assert len(notes) == 3 and "functional_ack from acme-parts: rejected (AK5 R 5)" in notes[-1]
    (todo,) = w.rows("mail.activity", res_id=po)
    assert "rejected" in todo["summary"]
    with pytest.raises(PermanentError, match="not the key"):
        conn.acknowledged(AckNotice("doc-77", "acme-parts", "mdn", "accepted"))
    # the ack notes never count as "sent" for another event of the order
    w.odoo.execute_kw("purchase.order", "button_cancel", [[po]], {})
    assert [o.key for o in conn.extract(["acme-parts"], None)[0]] == [f"purchase.order/{po}/cancel"]


# ---------------------------------------------------------------------- seller: 855 / 856 out

def _customer_order(w, conn, lines=None):
    doc = c.PurchaseOrder("CS-1001", dt.date(2026, 12, 1), requested_delivery_date=dt.date(2026, 12, 8),
                          parties=[c.Party("ship_to", "Store 1", "STORE01", address=["1 High St"], city="Leeds")],
                          lines=lines or [c.OrderLine("10", D(3), "DZN", [c.ProductId("vendor", "P2")], D("12.5")),
                                          c.OrderLine("20", D(4), "EA", [c.ProductId("vendor", "P1")], D("2")),
                                          c.OrderLine("30", D(6), "EA", [c.ProductId("vendor", "P0")], D("1"))])
    conn.deliver(Delivery("so-in", "corner-shop", doc))
    (so,) = w.rows("sale.order")
    return so


def test_confirmed_sale_order_gives_its_order_response(world):
    w = world
    conn = w.connector()
    so = _customer_order(w, conn)
    assert conn.extract(["corner-shop"], None)[0] == []  # draft: nothing to answer yet
    line20 = sorted(w.rows("sale.order.line", order_id=so["id"]), key=lambda l: l["id"])[1]
    line20["product_uom_qty"] = 3.0  # the salesperson confirms 3 of the 4 ordered
    w.odoo.execute_kw("sale.order", "action_confirm", [[so["id"]]], {})
    out, mark = conn.extract(["corner-shop"], None)
    assert [o.key for o in out] == [f"sale.order/{so['id']}/confirm"]
    doc = out[0].document
    assert (doc.order_number, doc.number, doc.status, doc.purpose) == (
        "CS-1001", so["name"], "accepted_with_changes", "original")
    assert [(l.line_number, l.status, l.quantity, l.unit, l.ordered_quantity) for l in doc.lines] == [
        ("10", "accepted", D("3.0"), "DZN", D(3)), ("20", "quantity_changed", D("3.0"), "EA", D(4)),
        ("30", "accepted", D("6.0"), "EA", D(6))]
    assert doc.lines[0].product_ids[0] == c.ProductId("vendor", "P2")
    assert doc.lines[0].scheduled_date == dt.date(2026, 12, 8)
    raw = pipeline.render(c.document_to_dict(doc), standard="x12", version="005010",
                          sender="OURCOMPANY", receiver="123456789")
    (item,) = [i for i in pipeline.translate(io.BytesIO(raw)) if i.document]
    assert item.document.order_number == "CS-1001" and len(item.document.lines) == 3
    _sent(conn, out[0])
    assert conn.extract(["corner-shop"], mark)[0] == []
    # cancelled after the response left: a cancellation response
    assert w.odoo.execute_kw("sale.order", "action_cancel", [[so["id"]]], {})["res_model"] == "sale.order.cancel"
    w.odoo.execute_kw("sale.order", "action_cancel", [[so["id"]]], {"context": {"disable_cancel_warning": True}})
    (cancel,) = conn.extract(["corner-shop"], mark)[0]
    assert cancel.key == f"sale.order/{so['id']}/cancel"
    assert (cancel.document.purpose, cancel.document.status) == ("cancellation", "rejected")
    assert conn.outbound_for("response", so["name"])[0].key == cancel.key


def test_validated_delivery_gives_a_ship_notice_with_lots_and_serials(world):
    w = world
    conn = w.connector(confirm_sale_orders=True)
    so = _customer_order(w, conn)
    (pick,) = w.rows("stock.picking", sale_id=so["id"])
    moves = {w.odoo.data["product.product"][m["product_id"]]["default_code"]: m["id"]
             for m in w.rows("stock.move", picking_id=pick["id"])}
    with pytest.raises(PermanentError, match="not validated"):
        conn.outbound_for("asn", pick["name"])
    w.odoo.ship(pick["id"], [(moves["P2"], 3.0, None), (moves["P1"], 1.0, "SN-1"), (moves["P1"], 1.0, "SN-2"),
                             (moves["P0"], 4.0, "LOT-A"), (moves["P0"], 2.0, "LOT-B")])
    out, mark = conn.extract(["corner-shop"], None)
    keys = sorted(o.key for o in out)
    assert keys == sorted([f"sale.order/{so['id']}/confirm", f"stock.picking/{pick['id']}/done"])
    asn = next(o for o in out if o.key.startswith("stock.picking")).document
    assert asn.number == pick["name"] and asn.shipped_date is not None
    assert asn.parties[0].id == "STORE01" and asn.parties[0].city == "Leeds"
    (order,) = asn.orders
    assert order.order_number == "CS-1001"
    items = sorted((i.line_number, i.quantity, i.unit, i.lot, tuple(i.serials)) for i in order.items)
    assert items == [("10", D("3.0"), "DZN", None, ()), ("20", D("2.0"), "EA", None, ("SN-1", "SN-2")),
                     ("30", D("2.0"), "EA", "LOT-B", ()), ("30", D("4.0"), "EA", "LOT-A", ())]
    raw = pipeline.render(c.document_to_dict(asn), standard="x12", version="005010",
                          sender="OURCOMPANY", receiver="123456789")
    (item,) = [i for i in pipeline.translate(io.BytesIO(raw)) if i.document]
    assert not item.has_errors
    for o in out:
        _sent(conn, o)
    assert conn.extract(["corner-shop"], mark)[0] == []
    assert [o.key for o in conn.outbound_for("asn", so["name"])] == [f"stock.picking/{pick['id']}/done"]


def test_seller_extract_call_count_does_not_grow():
    counts = []
    for n in (10, 200):
        with World(17) as w:
            conn = w.connector(confirm_sale_orders=True)
            lines = [c.OrderLine(str(i + 1), D(1), "EA", [c.ProductId("vendor", f"P{i % 4}")]) for i in range(n)]
            so = _customer_order(w, conn, lines)
            (pick,) = w.rows("stock.picking", sale_id=so["id"])
            w.odoo.ship(pick["id"], [(m["id"], 1.0, f"L{m['id']}") for m in w.rows("stock.move", picking_id=pick["id"])])
            before = w.odoo.calls
            out, _ = conn.extract(["corner-shop"], None)
            assert len(out) == 2
            counts.append(w.odoo.calls - before)
    assert counts[0] == counts[1]
