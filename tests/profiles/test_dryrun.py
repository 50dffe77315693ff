"""dryrun.plan: the Odoo operations canonical documents would cause under a profile."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import yaml

from translators.canonical import (AckedTransaction, FunctionalAck, OrderLine, OrderResponse,
                                   Pack, Party, ProductId, PurchaseOrder, ResponseLine,
                                   ShipItem, ShipmentOrder, ShipNotice)
from gateway.profiles.dryrun import plan, try_file
from gateway.profiles.model import Profile, build_profile

from profile_samples import BASE

SUPPLIER = BASE.replace("""documents:
  order_response:
    direction: receive
    version: "004010"
    changes: apply
""", """documents:
  purchase_order:
    direction: send
    version: "004010"
  order_response:
    direction: receive
    version: "004010"
    changes: apply
  ship_notice:
    direction: receive
    version: "004010"
    receipt: record
""") + """  locations:
    "5412345000013":
      warehouse: WH
      picking_type: stock.picking_type_in
  statuses:
    "x12:IW": accepted
"""


def profile(text: str = SUPPLIER) -> Profile:
    return build_profile(yaml.safe_load(text), Path("/p/acme.yaml"), "digest")


def lines(run):
    return [op.describe() for op in run.operations]


def response(status="quantity_changed", **kw) -> OrderResponse:
    line = ResponseLine(line_number="1", status=status, quantity=Decimal("8"), unit="EA",
                        unit_price=Decimal("2.50"), scheduled_date=dt.date(2026, 12, 5),
                        product_ids=[ProductId("vendor", "AC-100")], **kw)
    return OrderResponse(number="SO-77", date=dt.date(2026, 11, 28), order_number="P00042",
                         status="accepted_with_changes", lines=[line])


def test_order_response_applies_changes_with_quantity_and_price_together():
    run = plan([response()], profile())
    assert run.ok and run.notes == ()
    assert lines(run) == [
        "[1] search res.partner  find the partner by ref 'ACME'  domain [('ref', '=', 'ACME')]  "
        "-> $partner",
        "[1] search purchase.order  our order 'P00042'  domain [('name', '=', 'P00042'), "
        "('partner_id', '=', '$partner')]  -> $order",
        "[1] write purchase.order  record the vendor's reference  values {'id': '$order', "
        "'partner_ref': 'SO-77'}",
        "[1] gateway gateway  record order response 'SO-77': accepted_with_changes",
        "[1] search purchase.order.line  the order's lines, matched by line number  domain "
        "[('order_id', '=', '$order')]  -> $lines",
        "[1] search ir.model.data  unit EA -> uom.product_uom_unit  domain [('module', '=', "
        "'uom'), ('name', '=', 'product_uom_unit'), ('model', '=', 'uom.uom')]  -> $uom[EA]",
        "[1] write purchase.order.line  line 1: apply quantity_changed  values {'id': "
        "'$lines[1]', 'product_qty': '8', 'price_unit': '2.50', 'date_planned': '2026-12-05'}",
    ]


def test_order_response_flags_when_profile_says_so():
    run = plan([response()], profile(SUPPLIER.replace("changes: apply", "changes: flag")))
    assert "[1] message_post purchase.order  line 1: quantity_changed flagged for a planner  " \
           "values {'id': '$order'}" in lines(run)
    assert not any(op.model == "purchase.order.line" and op.action == "write"
                   for op in run.operations)


def test_rejected_line_is_flagged_never_zeroed():
    run = plan([response("rejected")], profile())
    actions = [(op.action, op.model) for op in run.operations]
    assert ("create", "mail.activity") in actions
    assert ("write", "purchase.order.line") not in actions


def test_partner_status_codes_go_through_the_status_map():
    run = plan([response("x12:IW")], profile())
    assert run.notes == ()
    assert not any(op.action == "message_post" for op in run.operations)
    unmapped = plan([response("x12:ZZ")], profile())
    assert [n.describe() for n in unmapped.notes] == [
        "[1] warning: line 1: status 'x12:ZZ' has no entry in code_maps.statuses: it is "
        "flagged for a planner"]
    assert unmapped.ok  # a warning does not stop the document


def asn() -> ShipNotice:
    item = ShipItem(line_number="1", quantity=Decimal("10"), unit="EA",
                    product_ids=[ProductId("vendor", "AC-100")], lot="L-9")
    loose = ShipItem(line_number="2", quantity=Decimal("3"), unit="CA",
                     product_ids=[ProductId("gtin", "00012345678905")])
    order = ShipmentOrder(order_number="P00042",
                          packs=[Pack(sscc="000123", packs=[Pack(items=[item])])], items=[loose])
    return ShipNotice(number="ASN-1", date=dt.date(2026, 11, 28),
                      estimated_delivery_date=dt.date(2026, 12, 1), tracking_number="1Z999",
                      parties=[Party("ship_to", id="5412345000013", id_scheme="gln")],
                      orders=[order])


def test_ship_notice_record_only():
    run = plan([asn()], profile())
    assert [n.describe() for n in run.notes] == [
        "[1] error: order P00042 item 2: no product rule applies (the line has "
        "gtin=00012345678905; the profile looks for vendor)",
        "[1] error: order P00042 item 2: unit 'CA' has no entry in code_maps.units: add `CA: "
        "<Odoo unit XML ID or name>`",
    ]
    assert not run.ok
    described = lines(run)
    assert ("[1] search stock.warehouse  ship_to 5412345000013 -> warehouse WH  domain "
            "[('code', '=', 'WH')]  -> $warehouse") in described
    assert ("[1] search stock.picking  open receipt of order 'P00042'  domain [('purchase_id', "
            "'=', '$order[1]'), ('state', 'not in', ['done', 'cancel']), ('picking_type_id', "
            "'=', '$picking_type')]  -> $picking[1]") in described
    assert ("[1] search product.supplierinfo  order P00042 item 1: vendor 'AC-100' -> "
            "supplierinfo  domain [('product_code', '=', 'AC-100'), ('partner_id', '=', "
            "'$partner')]  -> $product[1.1]") in described
    assert ("[1] message_post stock.picking  ship notice 'ASN-1': 2 items, tracking 1Z999  "
            "values {'id': '$picking[1]'}") in described
    assert not any(op.method == "button_validate" for op in run.operations)
    assert not any(op.model == "stock.move.line" for op in run.operations)


def test_ship_notice_validate():
    text = SUPPLIER.replace("receipt: record", "receipt: validate").replace(
        "    EA: uom.product_uom_unit", '    EA: uom.product_uom_unit\n    CA: "Case of 12"'
    ).replace("""    - scheme: vendor
      odoo: supplierinfo""", """    - scheme: vendor
      odoo: supplierinfo
    - scheme: gtin
      odoo: barcode""")
    run = plan([asn()], profile(text))
    assert run.ok, run.notes
    described = lines(run)
    assert ("[1] write stock.move.line  order P00042 item 1: shipped quantity  domain "
            "[('picking_id', '=', '$picking[1]'), ('product_id', '=', '$product[1.1]')]  values "
            "{'quantity (17/18) or qty_done (16)': '10', 'lot_name': 'L-9'}") in described
    assert ("[1] search uom.uom  unit CA -> name 'Case of 12'  domain [('name', '=', "
            "'Case of 12')]  -> $uom[CA]") in described
    assert described[-2] == ("[1] call stock.picking.button_validate  validate the receipt (a "
                             "short quantity creates a backorder)  values {'ids': '$picking[1]'}")


def test_product_strategy_order_and_fallbacks():
    text = SUPPLIER.replace("""    - scheme: vendor
      odoo: supplierinfo""", """    - scheme: buyer
      odoo: default_code
    - scheme: gtin
      odoo: barcode
    - scheme: vendor
      odoo: supplierinfo""").replace("""  purchase_order:
    direction: send""", """  purchase_order:
    direction: receive""")
    po = PurchaseOrder(number="PO-1", date=dt.date(2026, 11, 28),
                       parties=[Party("ship_to", id="STORE9")],
                       lines=[OrderLine("1", Decimal("5"), "EA", product_ids=[
                           ProductId("vendor", "AC-100"), ProductId("gtin", "4006381333931"),
                           ProductId("buyer", "B-1")], unit_price=Decimal("1.5"))])
    run = plan([po], profile(text))
    described = lines(run)
    assert ("[1] search product.product  line 1: buyer 'B-1' -> default_code; if not found, then "
            "barcode by gtin '4006381333931', then supplierinfo by vendor 'AC-100'  domain "
            "[('default_code', '=', 'B-1')]  -> $product[1]") in described
    create = [op for op in run.operations if op.action == "create"][0]
    assert create.model == "sale.order"
    assert create.values["order_line"] == [[0, 0, {"product_id": "$product[1]",
                                                   "product_uom_qty": "5",
                                                   "product_uom": "$uom[EA]",
                                                   "price_unit": "1.5"}]]
    assert [n.describe() for n in run.notes] == [
        "[1] warning: ship_to 'STORE9' has no entry in code_maps.locations: Odoo's default "
        "warehouse is used"]


def test_documents_the_partner_should_not_send_are_refused():
    po = PurchaseOrder(number="PO-1", date=dt.date(2026, 11, 28))
    run = plan([po], profile())
    assert run.operations == ()
    assert [n.describe() for n in run.notes] == [
        "[1] error: purchase_order is listed with direction: send: the partner is not expected "
        "to send it; it would be refused"]
    only_855 = plan([asn()], profile(BASE))
    assert [n.describe() for n in only_855.notes] == [
        "[1] error: ship_notice is not listed under documents: the partner is not expected to "
        "send it; it would be refused"]


def test_functional_ack_touches_only_the_gateway_and_several_documents_are_numbered():
    ack = FunctionalAck(ack_type="997", status="accepted", functional_id="PO",
                        group_control_number="17",
                        transactions=[AckedTransaction("850", "0001", "accepted")])
    run = plan([ack, response()], profile())
    assert lines(run)[0] == "[1] gateway gateway  mark our PO 17 as accepted by 997"
    assert {op.document for op in run.operations} == {0, 1}
    assert lines(run)[1].startswith("[2] search res.partner")


def test_try_file_uses_the_given_translation():
    seen = []

    def to_documents(data: bytes):
        seen.append(data)
        yield response()

    run = try_file(b"ISA*...", profile(), to_documents)
    assert seen == [b"ISA*..."] and len(run.documents) == 1 and run.ok
