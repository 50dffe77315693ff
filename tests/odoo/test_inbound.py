"""End-to-end inbound documents through the connector (odoorpc -> test server), Odoo 16/17/18:
855 with mixed line statuses, 856/DESADV with lots, serials and two orders, 850 into a sale
order, 997/999/CONTRL reconciling what was sent."""
import datetime as dt
import html
import io
from decimal import Decimal as D

import pytest

from gateway.connectors.base import Delivery, SentNotice
from gateway.errors import PermanentError
from tests.odoo.world import World, profile, profiles
from translators import canonical as c
from translators import pipeline


@pytest.fixture(params=[16, 17, 18])
def world(request):
    with World(request.param) as w:
        yield w


def _po(w, name="P00042", partner=None, qtys=(10, 10, 10, 10, 10)):
    return w.purchase_order(name, partner or w.acme,
                            [(w.products[i % 4], float(q), 5.0) for i, q in enumerate(qtys)])


def _text(w, model, rid):
    return [html.unescape(b) for b in w.messages(model, rid)]


# ---------------------------------------------------------------------- 855 / ORDRSP

def test_855_mixed_line_statuses(world):
    w = world
    po = _po(w)
    conn = w.connector()
    doc = c.OrderResponse("V-1", dt.date(2026, 12, 1), "P00042", "accepted_with_changes", lines=[
        c.ResponseLine("1", "accepted", D(10)),
        c.ResponseLine("2", "quantity_changed", D(8), unit_price=D("4.50")),
        c.ResponseLine("3", "date_changed", D(10), scheduled_date=dt.date(2026, 12, 15)),
        c.ResponseLine("4", "rejected", D(0)),
        c.ResponseLine("5", "backordered", D(10), scheduled_date=dt.date(2026, 12, 20))])
    res = conn.deliver(Delivery("k855", "acme-parts", doc))
    lines = sorted(w.rows("purchase.order.line", order_id=po), key=lambda l: l["sequence"])
    moves = [w.odoo.data["stock.move"][l["move_ids"][0]] for l in lines]
    assert w.odoo.data["purchase.order"][po]["partner_ref"] == "V-1"
    # accepted: untouched (no repricing from the vendor pricelist's 55.0)
    assert (lines[0]["product_qty"], lines[0]["price_unit"]) == (10.0, 5.0)
    # quantity changed: quantity and price written together, receipt move follows
    assert (lines[1]["product_qty"], lines[1]["price_unit"]) == (8.0, 4.5)
    assert moves[1]["product_uom_qty"] == 8.0
    # date changed: date_planned, and the move's deadline
    assert lines[2]["date_planned"].startswith("2026-12-15")
    assert moves[2]["date_deadline"].startswith("2026-12-15")
    # rejected: receipt move cancelled (never quantity 0, which leaves the move and adds a return)
    assert lines[3]["product_qty"] == 10.0
    assert moves[3]["state"] == "cancel"
    assert not w.rows("stock.move.line", move_id=moves[3]["id"])
    assert len(w.rows("stock.move")) == 5  # no return move
    # backordered: a later date written
    assert lines[4]["date_planned"].startswith("2026-12-20")
    codes = sorted(e.code for e in res.exceptions)
    assert codes == ["backordered_line", "rejected_line"]
    (todo,) = w.rows("mail.activity", res_id=po)  # one To-Do for the planner, every point in it
    assert todo["summary"] == "EDI order response V-1 from acme-parts: review"
    points = html.unescape(todo["note"]).split("<br/>")
    assert any("line 2" in s and "8 of 10" in s for s in points)
    assert any("line 3" in s and "later" in s for s in points)
    assert any("line 4" in s and "rejected" in s for s in points)
    assert any("line 5" in s for s in points)
    assert not any("line 1" in s for s in points)
    notes = _text(w, "purchase.order", po)
    assert len(notes) == 1 and "[edi-gateway k855]" in notes[0] and "V-1" in notes[0]
    again = conn.deliver(Delivery("k855", "acme-parts", doc))
    assert again.replayed and len(w.messages("purchase.order", po)) == 1


def test_855_flag_profile_writes_nothing_but_tells_the_planner(world):
    w = world
    po = _po(w, partner=w.nordwerk, qtys=(10, 10))
    doc = c.OrderResponse("NW-55", dt.date(2026, 12, 1), "P00042", "accepted_with_changes", lines=[
        c.ResponseLine("1", "quantity_changed", D(6), unit_price=D(5)),
        c.ResponseLine("2", "rejected", D(0))])
    w.connector().deliver(Delivery("kf", "nordwerk", doc))
    lines = sorted(w.rows("purchase.order.line", order_id=po), key=lambda l: l["sequence"])
    assert [l["product_qty"] for l in lines] == [10.0, 10.0]
    assert all(m["state"] == "assigned" for m in w.rows("stock.move"))
    (todo,) = w.rows("mail.activity", res_id=po)
    assert "proposes" in todo["note"] and "rejected" in todo["note"]


def test_855_unknown_order_is_permanent(world):
    _po(world)
    with pytest.raises(PermanentError, match="P09999"):
        world.connector().deliver(Delivery("k", "acme-parts", c.OrderResponse(
            "V", dt.date(2026, 12, 1), "P09999", "accepted")))


# ---------------------------------------------------------------------- 856 / DESADV

def _asn(number="ASN-1", orders=None, **kw):
    return c.ShipNotice(number, dt.date(2026, 12, 2), estimated_delivery_date=dt.date(2026, 12, 4),
                        tracking_number="1Z999", orders=orders or [], **kw)


def _item(code, qty, **kw):
    return c.ShipItem(None, D(qty), "EA", [c.ProductId("buyer", code)], **kw)


def test_856_lots_serials_and_two_orders(world):
    w = world
    a = w.purchase_order("P00042", w.acme, [(w.products[0], 10.0, 5.0), (w.products[1], 3.0, 5.0)])
    b = w.purchase_order("P00043", w.acme, [(w.products[2], 5.0, 5.0)])
    old_lot = w.odoo.add("stock.lot", name="L-OLD", product_id=w.products[0])
    doc = _asn(orders=[
        c.ShipmentOrder("P00042", packs=[c.Pack(sscc="003123450000000017", package_type="PLT", packs=[
            c.Pack(sscc="003123450000000024", items=[_item("P0", 6, lot="L-NEW")]),
            c.Pack(sscc="003123450000000031", items=[_item("P0", 4, lot="L-OLD"),
                                                       _item("P1", 2, serials=["S1", "S2"])])])]),
        c.ShipmentOrder("P00043", items=[_item("P2", 5)])])
    res = w.connector().deliver(Delivery("asn1", "acme-parts", doc))
    assert res.exceptions == ()
    ra, rb = w.receipt(a), w.receipt(b)
    assert w.move_lines(ra["id"]) == [("P0", 6.0, "L-NEW"), ("P0", 4.0, "L-OLD"),
                                      ("P1", 1.0, "S1"), ("P1", 1.0, "S2")]
    # an existing lot is referenced by id, a new one only named (Odoo creates it on validation)
    mls = w.rows("stock.move.line", picking_id=ra["id"])
    assert [ml["lot_id"] for ml in mls if ml["lot_name"] == "L-OLD"] == []
    assert [ml["lot_id"] for ml in mls if not ml["lot_name"] and ml["product_id"] == w.products[0]] == [old_lot]
    assert w.move_lines(rb["id"]) == [("P2", 5.0, None)]
    assert ra["scheduled_date"].startswith("2026-12-04") and ra["state"] == "assigned"
    note = "\n".join(_text(w, "stock.picking", ra["id"]))
    for sscc in ("003123450000000017", "003123450000000024", "003123450000000031"):
        assert sscc in note
    assert "1Z999" in note
    # the expected quantities only: nothing received, demand unchanged
    assert all(l["qty_received"] == 0 for l in w.rows("purchase.order.line"))
    assert sorted(m["product_uom_qty"] for m in w.rows("stock.move")) == [3.0, 5.0, 10.0]


def test_856_exceptions_never_write_silently(world):
    w = world
    a = w.purchase_order("P00042", w.acme, [(w.products[2], 5.0, 5.0), (w.products[0], 4.0, 5.0)])
    doc = _asn(orders=[c.ShipmentOrder("P00042", items=[_item("P2", 7), _item("NOPE", 1),
                                                         _item("P3", 1), _item("P0", 4, lot="L1")]),
                       c.ShipmentOrder("P09999", items=[_item("P0", 1)])])
    res = w.connector().deliver(Delivery("asnx", "acme-parts", doc))
    assert sorted(e.code for e in res.exceptions) == ["item_not_ordered", "over_shipment",
                                                       "unknown_item", "unknown_order"]
    messages = " ".join(e.message for e in res.exceptions)
    assert "P09999" in messages and "NOPE" in messages and "ships 7" in messages
    assert w.move_lines(w.receipt(a)["id"]) == [("P0", 4.0, "L1")]
    (todo,) = w.rows("mail.activity", res_id=a)
    assert todo["note"].count("<br/>") == 3 and "P09999" in todo["note"]


def test_856_item_split_over_two_order_lines_of_one_product(world):
    w = world
    a = w.purchase_order("P00042", w.acme, [(w.products[1], 2.0, 5.0), (w.products[1], 3.0, 5.0)])
    res = w.connector().deliver(Delivery("sp", "acme-parts", _asn(orders=[c.ShipmentOrder("P00042", items=[
        _item("P1", 4, serials=["S1", "S2", "S3", "S4"])])])))
    assert res.exceptions == ()
    moves = sorted(m["id"] for m in w.rows("stock.move", picking_id=w.receipt(a)["id"]))
    per_move = sorted((ml["move_id"], ml["lot_name"]) for ml in w.rows("stock.move.line"))
    assert per_move == [(moves[0], "S1"), (moves[0], "S2"), (moves[1], "S3"), (moves[1], "S4")]
    more = w.connector().deliver(Delivery("sp2", "acme-parts", _asn("ASN-2", [c.ShipmentOrder("P00042", items=[
        _item("P1", 2)])])))
    assert [e.code for e in more.exceptions] == ["over_shipment"]  # 1 of room left, 2 shipped


def test_856_all_orders_unknown_is_permanent(world):
    world.purchase_order("P00042", world.acme, [(world.products[2], 5.0, 5.0)])
    with pytest.raises(PermanentError, match="P07777"):
        world.connector().deliver(Delivery("k", "acme-parts", _asn(
            orders=[c.ShipmentOrder("P07777", items=[_item("P2", 1)])])))


def test_856_notices_accumulate_then_over_ship(world):
    w = world
    a = w.purchase_order("P00042", w.acme, [(w.products[2], 10.0, 5.0)])
    conn = w.connector()
    conn.deliver(Delivery("n1", "acme-parts", _asn("ASN-1", [c.ShipmentOrder("P00042", items=[_item("P2", 6)])])))
    conn.deliver(Delivery("n2", "acme-parts", _asn("ASN-2", [c.ShipmentOrder("P00042", items=[_item("P2", 4)])])))
    assert w.move_lines(w.receipt(a)["id"]) == [("P2", 4.0, None), ("P2", 6.0, None)]
    res = conn.deliver(Delivery("n3", "acme-parts", _asn("ASN-3", [c.ShipmentOrder("P00042", items=[_item("P2", 1)])])))
    assert [e.code for e in res.exceptions] == ["over_shipment"]
    assert "10 already announced" in res.exceptions[0].message
    assert w.move_lines(w.receipt(a)["id"]) == [("P2", 4.0, None), ("P2", 6.0, None)]


def test_856_same_notice_under_another_key_is_not_added_twice(world):
    w = world
    a = w.purchase_order("P00042", w.acme, [(w.products[2], 10.0, 5.0)])
    conn = w.connector()
    doc = _asn("ASN-1", [c.ShipmentOrder("P00042", items=[_item("P2", 4)])])
    conn.deliver(Delivery("first", "acme-parts", doc))
    res = conn.deliver(Delivery("second", "acme-parts", doc))
    assert [e.code for e in res.exceptions] == ["duplicate_notice"]
    assert w.move_lines(w.receipt(a)["id"]) == [("P2", 4.0, None)]
    assert conn.deliver(Delivery("second", "acme-parts", doc)).replayed
    change = c.ShipNotice("ASN-1", dt.date(2026, 12, 3), purpose="replace",
                          orders=[c.ShipmentOrder("P00042", items=[_item("P2", 5)])])
    assert [e.code for e in conn.deliver(Delivery("third", "acme-parts", change)).exceptions] == ["notice_change"]
    assert w.move_lines(w.receipt(a)["id"]) == [("P2", 4.0, None)]


def test_856_validate_receipt_with_backorder(world):
    w = world
    acme = profile("acme-parts", documents={"ship_notice": {"receipt": "validate"}})
    a = w.purchase_order("P00042", w.acme, [(w.products[0], 10.0, 5.0), (w.products[2], 2.0, 5.0)])
    first = w.receipt(a)
    doc = _asn(orders=[c.ShipmentOrder("P00042", items=[_item("P0", 6, lot="L9"), _item("P2", 2)])])
    w.connector(profiles(**{"acme-parts": acme})).deliver(Delivery("v1", "acme-parts", doc))
    assert w.odoo.data["stock.picking"][first["id"]]["state"] == "done"
    lines = sorted(w.rows("purchase.order.line", order_id=a), key=lambda l: l["sequence"])
    assert [l["qty_received"] for l in lines] == [6.0, 2.0]
    assert [l["name"] for l in w.rows("stock.lot")] == ["L9"]
    backorder = w.receipt(a)
    assert backorder["backorder_id"] == first["id"]
    assert [m["product_uom_qty"] for m in w.rows("stock.move", picking_id=backorder["id"])] == [4.0]


def test_856_record_profile_never_validates(world):
    w = world
    a = w.purchase_order("P00042", w.acme, [(w.products[2], 2.0, 5.0)])
    w.connector().deliver(Delivery("r1", "acme-parts", _asn(orders=[c.ShipmentOrder("P00042", items=[_item("P2", 2)])])))
    assert w.receipt(a)["state"] == "assigned" and not w.rows("stock.lot")


def test_856_tracking_written_when_the_delivery_module_is_installed():
    with World(17, delivery_module=True) as w:
        a = w.purchase_order("P00042", w.acme, [(w.products[2], 2.0, 5.0)])
        w.connector().deliver(Delivery("t1", "acme-parts", _asn(orders=[c.ShipmentOrder("P00042", items=[_item("P2", 2)])])))
        assert w.receipt(a)["carrier_tracking_ref"] == "1Z999"


@pytest.mark.parametrize("version", [16, 18])
def test_856_carrier_found_by_name_or_code_map(version):
    with World(version, delivery_module=True) as w:
        ups = w.odoo.add("delivery.carrier", name="UPS Ground", active=True, delivery_type="fixed")
        express = w.odoo.add("delivery.carrier", name="UPS Express", active=True)
        w.odoo.add("delivery.carrier", name="UPSN", active=False)  # archived: never chosen
        a = w.purchase_order("P00042", w.acme, [(w.products[2], 4.0, 5.0)])
        res = w.connector().deliver(Delivery("t1", "acme-parts", _asn(
            carrier="UPSN", carrier_name="UPS Ground",
            orders=[c.ShipmentOrder("P00042", items=[_item("P2", 2)])])))
        assert w.receipt(a)["carrier_id"] == ups and res.exceptions == ()
        assert "carrier UPS Ground" in res.effects
        # the profile maps the partner's SCAC to the carrier Odoo knows
        mapped = {"acme-parts": profile("acme-parts", code_maps={"carriers": {"UPSN": "UPS Express"}})}
        res = w.connector(profiles(**mapped)).deliver(Delivery("t2", "acme-parts", _asn(
            "ASN-2", carrier="UPSN", carrier_name="UPS Ground",
            orders=[c.ShipmentOrder("P00042", items=[_item("P2", 1)])])))
        assert w.receipt(a)["carrier_id"] == express and res.exceptions == ()


def test_856_unknown_carrier_is_left_empty_or_an_exception_when_mapped():
    with World(17, delivery_module=True) as w:
        a = w.purchase_order("P00042", w.acme, [(w.products[2], 4.0, 5.0)])
        res = w.connector().deliver(Delivery("t1", "acme-parts", _asn(
            carrier="ZZZZ", orders=[c.ShipmentOrder("P00042", items=[_item("P2", 2)])])))
        assert not w.receipt(a)["carrier_id"] and res.exceptions == ()
        assert any("carrier ZZZZ matches no delivery.carrier" in e and "code_maps.carriers" in e
                   for e in res.effects)
        mapped = {"acme-parts": profile("acme-parts", code_maps={"carriers": {"ZZZZ": "Zed Freight"}})}
        res = w.connector(profiles(**mapped)).deliver(Delivery("t2", "acme-parts", _asn(
            "ASN-2", carrier="ZZZZ", orders=[c.ShipmentOrder("P00042", items=[_item("P2", 1)])])))
        (problem,) = res.exceptions
        assert problem.code == "unknown_carrier" and "'Zed Freight'" in problem.message
        assert "ASN-2" in problem.message and not w.receipt(a)["carrier_id"]
        (todo,) = w.rows("mail.activity", res_id=a)  # the planner hears of it
        assert "Zed Freight" in todo["note"]


def test_desadv_from_edifact(world):
    """An EANCOM DESADV rendered and read back by the translators, recorded for Nordwerk."""
    w = world
    a = w.purchase_order("P00042", w.nordwerk, [(w.products[0], 10.0, 5.0), (w.products[1], 2.0, 5.0)])
    b = w.purchase_order("P00043", w.nordwerk, [(w.products[3], 5.0, 5.0)], unit=w.kg)
    sn = c.ShipNotice("DES-7", dt.date(2026, 12, 2), estimated_delivery_date=dt.date(2026, 12, 5), orders=[
        c.ShipmentOrder("P00042", packs=[c.Pack(sscc="003123450000000017", package_type="PLT", items=[
            c.ShipItem("1", D(6), "PCE", [c.ProductId("gtin", "4000000000010")], lot="LOT-A"),
            c.ShipItem("2", D(2), "PCE", [c.ProductId("gtin", "4000000000011")], serials=["SN1", "SN2"])])]),
        c.ShipmentOrder("P00043", items=[c.ShipItem("1", D(5), "KGM", [c.ProductId("vendor", "NW-3")])])])
    raw = pipeline.render(c.document_to_dict(sn), standard="edifact", version="D96A",
                          sender="4001234000008", receiver="4001234000015", association="EAN007")
    assert b"DESADV:D:96A:UN:EAN007" in raw
    (item,) = [i for i in pipeline.translate(io.BytesIO(raw)) if i.document is not None]
    assert not item.has_errors
    res = w.connector().deliver(Delivery("des7", "nordwerk", item.document,
                                         {"standard": "edifact", "interchange": item.interchange}))
    assert res.exceptions == ()
    assert w.move_lines(w.receipt(a)["id"]) == [("P0", 6.0, "LOT-A"), ("P1", 1.0, "SN1"),
                                                ("P1", 1.0, "SN2")]
    assert w.move_lines(w.receipt(b)["id"]) == [("P3", 5.0, None)]
    assert "003123450000000017" in "".join(_text(w, "stock.picking", w.receipt(a)["id"]))


# ---------------------------------------------------------------------- 850 in (seller)

def _order(number="CS-1001", purpose="original", lines=None):
    return c.PurchaseOrder(number, dt.date(2026, 12, 1), purpose=purpose,
                           requested_delivery_date=dt.date(2026, 12, 8),
                           parties=[c.Party("ship_to", "Corner Shop Store 1", "STORE01", "buyer_assigned",
                                            ["1 High Street"], "Leeds", postal_code="LS1 1AA")],
                           lines=lines if lines is not None else [
                               c.OrderLine("1", D(3), "DZN", [c.ProductId("vendor", "P2")], D("12.50")),
                               c.OrderLine("2", D(4), "EA", [c.ProductId("gtin", "4000000000013")])])


@pytest.mark.parametrize("confirm", [False, True])
def test_inbound_850_creates_sale_order(world, confirm):
    w = world
    conn = w.connector(confirm_sale_orders=["corner-shop"] if confirm else False)
    res = conn.deliver(Delivery("so1", "corner-shop", _order()))
    (so,) = w.rows("sale.order")
    assert res.erp_refs == {"sale.order": so["id"]}
    assert so["client_order_ref"] == "CS-1001" and so["partner_id"] == w.corner
    assert so["state"] == ("sale" if confirm else "draft")
    assert so["commitment_date"].startswith("2026-12-08")
    ship = w.odoo.data["res.partner"][so["partner_shipping_id"]]
    assert (ship["parent_id"], ship["type"], ship["ref"], ship["city"]) == (w.corner, "delivery", "STORE01", "Leeds")
    lines = sorted((l["product_id"], l["product_uom_qty"], l["product_uom"], l["price_unit"])
                   for l in w.rows("sale.order.line"))
    assert lines == [(w.products[2], 3.0, w.dozen, 12.5), (w.products[3], 4.0, w.unit, False)]
    assert bool(w.rows("stock.picking", sale_id=so["id"])) == confirm
    assert conn.deliver(Delivery("so1", "corner-shop", _order())).replayed
    assert len(w.rows("sale.order")) == 1 and len(w.messages("sale.order", so["id"])) == 1


def test_inbound_850_same_number_again_and_cancellation(world):
    w = world
    conn = w.connector()
    conn.deliver(Delivery("so1", "corner-shop", _order()))
    dup = conn.deliver(Delivery("so2", "corner-shop", _order()))
    assert [e.code for e in dup.exceptions] == ["duplicate_order"]
    assert len(w.rows("sale.order")) == 1 and len(w.rows("sale.order.line")) == 2
    assert len(w.rows("mail.activity", res_model="sale.order")) == 1
    conn.deliver(Delivery("so3", "corner-shop", _order(purpose="cancellation", lines=[])))
    assert w.rows("sale.order")[0]["state"] == "cancel"


def test_inbound_850_unmappable_product_or_unit_names_the_code(world):
    conn = world.connector()
    with pytest.raises(PermanentError, match="vendor ZZ-9"):
        conn.deliver(Delivery("x", "corner-shop", _order(lines=[
            c.OrderLine("1", D(1), "EA", [c.ProductId("vendor", "ZZ-9")])])))
    with pytest.raises(PermanentError, match="'KGM'"):
        conn.deliver(Delivery("y", "corner-shop", _order(lines=[
            c.OrderLine("1", D(1), "KGM", [c.ProductId("vendor", "P2")])])))
    assert not world.rows("sale.order")


# ---------------------------------------------------------------------- 997 / 999 / CONTRL

def _sent(conn, key, partner, icn, gcn, tcn, standard="X12"):
    conn.sent(SentNotice(key, partner, dt.datetime(2026, 12, 2, 8, 0), standard, "004010",
                         {"interchange": icn, "group": gcn, "transaction": tcn}, "sftp:acme"))


def test_997_reconciles_the_purchase_orders_it_acknowledges(world):
    w = world
    a = _po(w, "P00042", qtys=(1,))
    b = _po(w, "P00043", qtys=(1,))
    conn = w.connector()
    _sent(conn, f"purchase.order/{a}/confirm", "acme-parts", "000000101", "101", "0001")
    _sent(conn, f"purchase.order/{b}/confirm", "acme-parts", "000000101", "101", "0002")
    note = _text(w, "purchase.order", a)[0]
    assert "icn=000000101 gcn=101 tcn=0001" in note and "2026-12-02 08:00" in note
    ack = c.FunctionalAck("997", "partially_accepted", "PO", "101", transactions=[
        c.AckedTransaction("850", "0001", "accepted"),
        c.AckedTransaction("850", "0002", "rejected", ["5"], [c.AckError("8", "PO1", 3)])])
    res = conn.deliver(Delivery("ack1", "acme-parts", ack))
    assert [e.code for e in res.exceptions] == ["ack_rejected"]
    assert "accepted" in _text(w, "purchase.order", a)[-1]
    assert "rejected" in _text(w, "purchase.order", b)[-1] and "PO13 8" in _text(w, "purchase.order", b)[-1]
    assert [x["res_id"] for x in w.rows("mail.activity")] == [b]
    again = conn.deliver(Delivery("ack1", "acme-parts", ack))
    assert again.replayed and len(w.rows("mail.message")) == 4 and len(w.rows("mail.activity")) == 1


def test_contrl_by_interchange_and_unmatched_ack(world):
    w = world
    a = _po(w, "P00042", partner=w.nordwerk, qtys=(1,))
    conn = w.connector()
    _sent(conn, f"purchase.order/{a}/confirm", "nordwerk", "77", None, "1", "EDIFACT")
    res = conn.deliver(Delivery("c1", "nordwerk", c.FunctionalAck("CONTRL", "accepted",
                                                                  interchange_control_number="77")))
    assert res.exceptions == () and "CONTRL from nordwerk" in _text(w, "purchase.order", a)[-1]
    other = conn.deliver(Delivery("c2", "nordwerk", c.FunctionalAck("CONTRL", "accepted",
                                                                    interchange_control_number="78")))
    assert [e.code for e in other.exceptions] == ["unmatched_ack"]
    # another partner's control numbers never match
    wrong = conn.deliver(Delivery("c3", "acme-parts", c.FunctionalAck("997", "accepted",
                                                                      interchange_control_number="77")))
    assert [e.code for e in wrong.exceptions] == ["unmatched_ack"]


def test_keys_with_sql_wildcards_do_not_match_each_other(world):
    """Odoo's ilike leaves _ and % of the value as wildcards: "k_1" must not find "kx1"."""
    w = world
    _po(w)
    conn = w.connector()
    doc = c.OrderResponse("V-1", dt.date(2026, 12, 1), "P00042", "accepted", lines=[])
    conn.deliver(Delivery("kx1", "acme-parts", doc))
    assert not conn.deliver(Delivery("k_1", "acme-parts", doc)).replayed
    assert conn.deliver(Delivery("k_1", "acme-parts", doc)).replayed
