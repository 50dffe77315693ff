"""EDIFACT ORDERS / ORDRSP / DESADV -> canonical (translators.edifact.mapping).

Corpus files are read with the real reader (translators.edifact.reader); the
small literal messages below go through it too, so every test exercises the
Segment shape the gateway actually produces.
"""
from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from translators.canonical import OrderResponse, ProductId, PurchaseOrder, ShipNotice
from translators.edifact.events import InterchangeStart, MessageEnd, MessageStart, Segment
from translators.edifact.mapping import MAPPERS, MappingContext, MappingError, map_message
from translators.edifact.reader import iter_events
from translators.findings import EDIError


def read_messages(data: bytes) -> list[tuple[MessageStart, MappingContext, list[Segment]]]:
    out = []
    ic = None
    ms = None
    segs: list[Segment] = []
    for ev in iter_events(data):
        if isinstance(ev, InterchangeStart):
            ic = ev
        elif isinstance(ev, MessageStart):
            ms, segs = ev, []
        elif isinstance(ev, Segment) and ms is not None:
            segs.append(ev)
        elif isinstance(ev, MessageEnd) and ms is not None:
            out.append((ms, MappingContext.from_events(ms, ic), segs))
            ms = None
    return out


def map_all(data: bytes) -> list:
    return [map_message(ms.message_type, segs, ctx) for ms, ctx, segs in read_messages(data)]


def map_one(text: str):
    docs = map_all(text.encode("latin-1"))
    assert len(docs) == 1
    return docs[0]


def corpus(corpus_dir: Path, name: str) -> bytes:
    return (corpus_dir / "edifact" / name).read_bytes()


# --------------------------------------------------------------------------- corpus: ORDERS

def test_oca_retail_orders(corpus_dir):
    (po,) = map_all(corpus(corpus_dir, "oca-edi/Retail_EDIFACT_ORDERS_sample1.txt"))
    assert isinstance(po, PurchaseOrder)
    assert po.number == "1AA1TEST"
    assert po.date == dt.date(2023, 6, 6)
    assert po.purpose == "original" and po.order_type == "standalone"
    assert po.currency == "EUR"
    assert po.requested_delivery_date == dt.date(2023, 6, 6)  # DTM 64 (no DTM 2)
    roles = [p.role for p in po.parties]
    assert roles == ["buyer", "supplier", "ship_to", "bill_to"]
    bill_to = po.parties[3]
    assert (bill_to.id, bill_to.id_scheme, bill_to.name) == ("5450534008143", "gln",
                                                             "AMAZON EU SARL")
    assert bill_to.address == ["38 Avenue J.F. Kennedy"]
    assert (bill_to.city, bill_to.postal_code, bill_to.country) == ("Luxembourg", "1855", "LU")
    assert po.parties[2].country == "GB"
    assert [(r.qualifier, r.value) for r in po.references] == [("customer_reference", "ABCD5")]
    assert [(ln.line_number, ln.quantity, ln.unit, ln.unit_price) for ln in po.lines] == [
        ("1", Decimal(5), "EA", Decimal("27.5")), ("2", Decimal(1), "EA", Decimal("10.87")),
        ("3", Decimal(3), "EA", Decimal("3.85"))]
    assert po.lines[0].product_ids == [ProductId("gtin", "9783898307529")]


def test_pydifact_order_decimal_comma_and_203_dates(corpus_dir):
    (po,) = map_all(corpus(corpus_dir, "pydifact/order.edi"))
    assert po.number == "801715918011"
    assert po.date == dt.date(2015, 8, 3)  # 201508030000:203
    assert po.requested_delivery_date == dt.date(2015, 8, 6)
    assert [(p.role, p.id) for p in po.parties] == [
        ("supplier", "5020436000004"), ("buyer", "8711576000012"), ("ship_to", "8711576100019")]
    assert [(r.qualifier, r.value) for r in po.references] == [("promotion", "50515")]
    assert [ln.quantity for ln in po.lines] == [Decimal(8), Decimal(8)]
    assert po.lines[1].product_ids == [ProductId("gtin", "5020436373108")]


def test_edi4r_d01b_order_release_range_and_prices(corpus_dir):
    (po,) = map_all(corpus(corpus_dir, "edi4r/in2.edi"))
    assert po.number == "12345" and po.date == dt.date(2004, 7, 12)
    assert po.requested_delivery_date == dt.date(2004, 4, 14)  # 719 range: its start
    assert po.currency == "EUR"
    line = po.lines[0]
    assert line.description == "Jeans+mehr"  # released '?+'; IMD 35/98 are not the description
    assert line.product_ids == [ProductId("gtin", "2165197000016"), ProductId("vendor", "JEBL5023"),
                                ProductId("buyer", "BLJE50")]
    assert line.unit_price == Decimal("30.0")  # AAA, not the AAE information price '99,0'
    assert po.lines[1].unit_price == Decimal(40)
    # party-level RFF VA (VAT numbers) are not document references
    assert [r.qualifier for r in po.references] == ["promotion"]


def test_php_edifact_eancom_2002_order(corpus_dir):
    (po,) = map_all(corpus(corpus_dir, "php-edifact/example_order_ok.edi"))
    assert po.number == "2019265563"
    buyer = po.parties[0]
    assert buyer.role == "buyer" and buyer.name.startswith("A+A K")  # released '?+'
    assert buyer.contact is not None and buyer.contact.phone == "020994125-32"
    assert po.parties[1].name == "FooBar GmbH & Co. KG"
    first = po.lines[0]
    assert first.product_ids == [ProductId("vendor", "1001"), ProductId("buyer", "6001001")]
    assert first.unit == "GBND" and first.quantity == 2
    assert first.description == "Butter 40x250g Alu"
    assert po.lines[2].description.endswith("10l Branntweinessig Kanister")  # two 7008 joined
    assert len(po.lines) > 50


def test_wikipedia_order_date_and_quantity_fallbacks(corpus_dir):
    (po,) = map_all(corpus(corpus_dir, "pydifact/wikipedia_de.edi"))
    assert po.date == dt.date(2006, 6, 20)  # DTM 4 (order date) when there is no 137
    buyer = po.parties[0]
    assert buyer.id is None and buyer.name == "Bestellername" and buyer.postal_code == "23436"
    line = po.lines[0]
    assert line.quantity == 1000  # QTY 1 (discrete) when there is no QTY 21
    assert line.product_ids == [ProductId("vendor", "Produkt Schrauben")]


def test_bots_two_orders_per_interchange(corpus_dir):
    docs = map_all(corpus(corpus_dir, "bots-plugins/orders96.edi"))
    assert [d.number for d in docs] == ["1-4500094289", "1-4500094290"]
    assert docs[0].order_type == "edifact:50E"  # unknown document code kept raw
    assert [ln.quantity for ln in docs[0].lines] == [Decimal("1"), Decimal("1.00"),
                                                     Decimal("1.00"), Decimal("1.00")]
    assert "edifact:UC" in [p.role for p in docs[0].parties]


# --------------------------------------------------------------------------- corpus: ORDRSP

def test_edinet_ordrsp(corpus_dir):
    (resp,) = map_all(corpus(corpus_dir, "edinet/edifact.ORDRSP-formatted.edi"))
    assert isinstance(resp, OrderResponse)
    assert resp.number == "IM20U000000000CNF"
    assert resp.order_number == "00001672"
    assert resp.order_date == dt.date(2015, 10, 23)
    assert resp.date == dt.date(2016, 3, 21)
    assert resp.currency == "EUR"
    contact = resp.parties[0].contact
    assert contact is not None and contact.phone == "+49 030 49202 8652"  # released '?+'
    assert contact.email == "marktpartner@stromnetz-berlin.de"
    assert [ln.line_number for ln in resp.lines] == ["1"]


def test_edireader_generated_ordrsp_is_a_mapping_error(corpus_dir):
    # lorem-ipsum values everywhere: no document date, so a clear MappingError
    with pytest.raises(MappingError) as info:
        map_all(corpus(corpus_dir, "edireader/ORDERS-D01B-UNOC.edi"))
    assert "DTM 137" in str(info.value)
    assert info.value.position.transaction == "000001"


# --------------------------------------------------------------------------- corpus: DESADV

def test_php_desadv_two_orders_by_line_rff(corpus_dir):
    (sn,) = map_all(corpus(corpus_dir, "php-edifact/D96ADESADV.edi"))
    assert isinstance(sn, ShipNotice)
    assert sn.number == "Y02197250"
    assert sn.shipped_date == dt.date(2016, 7, 26)
    assert sn.date == dt.date(2016, 7, 26)  # no DTM 137: the despatch date
    assert [(o.order_number, [i.line_number for i in o.items]) for o in sn.orders] == [
        ("6877871", ["001"]), ("6905456", ["002"])]
    item = sn.orders[1].items[0]
    assert item.product_ids == [ProductId("gtin", "9781568361871")]
    assert item.description == "ROADS TO SATA A 2" and item.quantity == 1
    assert [(r.qualifier, r.value) for r in sn.references] == [("packing_list", "VEE0214439")]


def test_bots_desadv_packs_lots_serials(corpus_dir):
    first, second, third = map_all(corpus(corpus_dir, "bots-plugins/desadv1.edi"))
    assert first.number == "1923" and first.estimated_delivery_date == dt.date(2008, 9, 13)
    (order,) = first.orders
    assert order.order_number == "ref1234"
    (pack,) = order.packs
    assert pack.package_type == "BX" and pack.sscc is None
    assert [(i.line_number, i.quantity) for i in pack.items] == [("1", 48), ("2", 192)]

    assert second.number == "DOCNUM"
    assert [(r.qualifier, r.value) for r in second.references] == [("vendor_order", "SUORDNUM")]
    (order,) = second.orders
    assert order.order_number == "BYORDNUM"
    assert [p.sscc for p in order.packs] == ["354123450000000014"] * 2
    item = order.packs[0].items[0]
    assert item.lot == "BATCHNUMBER" and item.serials == ["SERIALNUMBER"]
    assert item.expiry_date == dt.date(1999, 12, 31)
    assert item.ordered_quantity == 123 and item.description == "DESC"
    assert item.product_ids == [ProductId("gtin", "8712345678906"), ProductId("vendor", "SUART"),
                                ProductId("buyer", "BYART")]
    assert third.orders[0].packs[0].items[0].lot == "BATCHNUMBER"


# --------------------------------------------------------------------------- literal messages

ORDERS_TEXT = (
    "UNA:+,? 'UNB+UNOC:3+SENDER:14+RECEIVER:14+260501:1200+1'"
    "UNH+1+ORDERS:D:96A:UN:EAN008'BGM+226+PO-7+4'DTM+137:20260501:102'"
    "DTM+2:20260510:102'DTM+10:202605081200:203'FTX+AAI+++first part:second part'"
    "RFF+CT:K-1'RFF+RE:REL-9'NAD+BY+4012345000016::9++Buyer GmbH+Main 1:Floor 2+Berlin+BE+10115+DE'"
    "RFF+VA:DE123'CTA+IC+:Jane Doe'COM+030 1234:TE'COM+jane@example.com:EM'"
    "NAD+SU+123456789::16'NAD+ST+SHIP-1::92'CUX+2:EUR:9'"
    "LIN+1++4012345000009:SRV'PIA+1+B-1:IN+V-1:SA'IMD+F++:::Blue widget'QTY+21:12,5:KGM'"
    "DTM+2:20260511:102'PRI+AAB:20'PRI+AAA:199,9:::10'"
    "LIN+2'PIA+5+X1:MF'QTY+21:3'UNS+S'CNT+2:2'UNT+24+1'UNZ+1+1'"
)


def test_literal_orders_all_fields():
    po = map_one(ORDERS_TEXT)
    assert (po.number, po.order_type, po.purpose) == ("PO-7", "release", "change")
    assert po.release_number == "REL-9"
    assert po.requested_delivery_date == dt.date(2026, 5, 10)
    assert po.requested_ship_date == dt.date(2026, 5, 8)
    assert po.notes == ["first part second part"]
    assert [(r.qualifier, r.value) for r in po.references] == [("contract", "K-1")]
    buyer, supplier, ship_to = po.parties
    assert buyer.address == ["Main 1", "Floor 2"] and buyer.state == "BE"
    assert buyer.contact is not None
    assert (buyer.contact.name, buyer.contact.phone, buyer.contact.email) == (
        "Jane Doe", "030 1234", "jane@example.com")
    assert (supplier.id, supplier.id_scheme) == ("123456789", "duns")
    assert (ship_to.role, ship_to.id_scheme) == ("ship_to", "buyer_assigned")
    line = po.lines[0]
    assert (line.quantity, line.unit) == (Decimal("12.5"), "KGM")
    assert line.unit_price == Decimal("19.99")  # AAA preferred, per 10 units
    assert line.requested_delivery_date == dt.date(2026, 5, 11)
    assert line.product_ids == [ProductId("gtin", "4012345000009"), ProductId("buyer", "B-1"),
                                ProductId("vendor", "V-1")]
    assert po.lines[1].product_ids == [ProductId("manufacturer", "X1")]
    assert po.lines[1].unit == "EA"


def _ordrsp(lines: str, bgm: str = "BGM+231+R-1+4") -> OrderResponse:
    return map_one("UNA:+.? 'UNB+UNOC:3+S+R+260501:1200+1'UNH+1+ORDRSP:D:01B:UN:EAN010'"
                   f"{bgm}'DTM+137:20260502:102'RFF+ON:PO-1'DTM+171:20260501:102'"
                   f"{lines}UNS+S'UNT+9+1'UNZ+1+1'")


@pytest.mark.parametrize("line, status", [
    ("LIN+1+5++'QTY+21:10'", "accepted"),
    ("LIN+1+7'QTY+21:10'", "rejected"),
    ("LIN+1+6'QTY+21:10'", "changed"),
    ("LIN+1+3'QTY+21:10'QTY+113:6'QTY+83:4'", "backordered"),
    ("LIN+1+3'PIA+3+NEW:SA'QTY+21:10'", "substituted"),
    ("LIN+1+3'QTY+21:10'QTY+113:6'", "quantity_changed"),
    ("LIN+1+3'QTY+21:10'QTY+113:10'DTM+67:20260601:102'PRI+AAA:5'", "date_changed"),
    ("LIN+1+3'QTY+21:10'QTY+113:10'DTM+69:20260601:102'PRI+AAA:5'", "price_changed"),
    ("LIN+1+3'QTY+21:10'DTM+2:20260601:102'", "date_changed"),
    ("LIN+1+3'QTY+21:10'", "changed"),
    ("LIN+1++'QTY+21:10'PRI+AAA:5'", "accepted"),
    ("LIN+1++'QTY+21:10'QTY+113:5'", "quantity_changed"),
    ("LIN+1+10'", "edifact:10"),
])
def test_ordrsp_line_status(line, status):
    resp = _ordrsp(line + "'")
    assert resp.lines[0].status == status
    assert resp.order_number == "PO-1" and resp.order_date == dt.date(2026, 5, 1)


@pytest.mark.parametrize("bgm, purpose, status", [
    ("BGM+231+R-1+29", "original", "accepted"),
    ("BGM+231+R-1+4", "original", "accepted_with_changes"),
    ("BGM+231+R-1+27", "original", "rejected"),
    ("BGM+231+R-1+5+RE", "replace", "rejected"),
    ("BGM+231+R-1+9", "original", "accepted_with_changes"),  # from the lines
    ("BGM+231+R-1+48", "original", "edifact:48"),
])
def test_ordrsp_header_status(bgm, purpose, status):
    resp = _ordrsp("LIN+1+5'QTY+21:1'LIN+2+7'QTY+21:1'", bgm)
    assert (resp.purpose, resp.status) == (purpose, status)
    assert [ln.status for ln in resp.lines] == ["accepted", "rejected"]


def test_ordrsp_quantities_price_and_schedule():
    resp = _ordrsp("LIN+1+3+4012345000009:EN'QTY+21:10:PCE'QTY+113:8:PCE'"
                   "DTM+69:20260601:102'DTM+67:20260603:102'PRI+AAA:2.5'")
    line = resp.lines[0]
    assert (line.ordered_quantity, line.quantity, line.unit) == (10, 8, "PCE")
    assert line.scheduled_date == dt.date(2026, 6, 3)  # 67 current schedule wins over 69
    assert line.unit_price == Decimal("2.5")
    assert line.product_ids == [ProductId("gtin", "4012345000009")]


def test_ordrsp_delivered_and_backorder_quantities_give_two_parts():
    resp = _ordrsp("LIN+1+5+4012345000009:EN'IMD+F++:::Widget'QTY+21:100:PCE'"
                   "QTY+113:60:PCE'QTY+83:40'DTM+69:20261201:102'DTM+191:20261215:102'"
                   "PRI+AAA:2.5'LIN+2+6'QTY+21:5'QTY+113:5'QTY+83:1:KGM'")
    first, second, third, fourth = resp.lines
    assert (first.status, first.quantity, first.scheduled_date) == (
        "accepted", 60, dt.date(2026, 12, 1))
    assert (second.status, second.quantity, second.scheduled_date) == (
        "backordered", 40, dt.date(2026, 12, 15))
    for part in (first, second):
        assert part.line_number == "1" and part.ordered_quantity == 100
        assert part.unit == "PCE" and part.unit_price == Decimal("2.5")
        assert part.description == "Widget"
        assert part.product_ids == [ProductId("gtin", "4012345000009")]
    assert (third.status, third.quantity, fourth.status, fourth.quantity) == (
        "changed", 5, "backordered", 1)
    assert fourth.unit == "KGM" and fourth.scheduled_date is None


def test_ordrsp_backorder_with_action_3_stays_one_line():
    # the single-line encoding of a backordered line (documented rule): no split, and
    # DTM 191 only dates a backorder part
    resp = _ordrsp("LIN+1+3'QTY+21:10'QTY+113:6'QTY+83:4'DTM+191:20261215:102'")
    (line,) = resp.lines
    assert (line.status, line.quantity, line.scheduled_date) == ("backordered", 6, None)
    # without a committed quantity an accepted LIN ignores QTY 83, as before
    (line,) = _ordrsp("LIN+1+5'QTY+21:10'QTY+83:4'").lines
    assert (line.status, line.quantity) == ("accepted", None)


DESADV_TEXT = (
    "UNB+UNOC:3+S+R+260501:1200+1'UNH+1+DESADV:D:01B:UN:EAN007'BGM+351+DN-1+9'"
    "DTM+137:20260503:102'DTM+11:20260503:102'DTM+132:20260506:102'MEA+WT+AAD+KGM:250,5'"
    "RFF+ON:PO-A'DTM+171:20260401:102'RFF+BM:BOL-1'RFF+CN:TRACK-1'NAD+SF+4012345000016::9'"
    "TDT+20++30++DHLD::9:DHL Freight'EQD+CN+CONT-1'"
    "CPS+1'PAC+3'LIN+1++4012345000009:SRV'QTY+12:2'"
    "CPS+2+1'PAC+1++201'PCI+33E'GIN+BJ+340123450000000017'"
    "CPS+3+2'PAC+2++CT'PCI+33E'GIN+BJ+340123450000000024+340123450000000031'"
    "LIN+2++4012345000023:SRV'QTY+12:5'GIN+BN+SN1:SN3+SN9'RFF+ON:PO-B'"
    "PCI+36E'DTM+36:20270101:102'GIN+BX+LOT-7'"
    "CNT+2:2'UNT+27+1'UNZ+1+1'"
)


def test_literal_desadv_hierarchy():
    sn = map_one(DESADV_TEXT)
    assert sn.estimated_delivery_date == dt.date(2026, 5, 6)
    assert (sn.gross_weight, sn.weight_unit) == (Decimal("250.5"), "KGM")
    assert (sn.bill_of_lading, sn.tracking_number) == ("BOL-1", "TRACK-1")
    assert (sn.carrier, sn.carrier_name, sn.transport_mode) == ("DHLD", "DHL Freight", "road")
    assert sn.package_count == 3
    assert [(r.qualifier, r.value) for r in sn.references] == [("equipment", "CONT-1")]
    a, b = sn.orders
    assert (a.order_number, a.order_date) == ("PO-A", dt.date(2026, 4, 1))
    assert [i.line_number for i in a.items] == ["1"]
    # the pallet holds only PO-B items: it goes to PO-B, with two identical cartons
    assert a.packs == []
    (pallet,) = b.packs
    assert (pallet.sscc, pallet.package_type) == ("340123450000000017", "201")
    assert [c.sscc for c in pallet.packs] == ["340123450000000024", "340123450000000031"]
    item = pallet.packs[1].items[0]
    assert item.serials == ["SN1", "SN3", "SN9"]
    assert (item.lot, item.expiry_date) == ("LOT-7", dt.date(2027, 1, 1))


def test_desadv_pack_of_two_orders_is_split():
    sn = map_one(
        "UNB+UNOC:3+S+R+260501:1200+1'UNH+1+DESADV:D:96A:UN'BGM+351+DN-2'DTM+137:20260503:102'"
        "CPS+1'CPS+2+1'PAC+1++PX'GIN+BJ+1'CPS+3+2'PAC+1++CT'GIN+BJ+2'LIN+1'QTY+12:1'RFF+ON:A'"
        "CPS+4+2'PAC+1++CT'GIN+BJ+3'LIN+2'QTY+12:1'RFF+ON:B'UNT+16+1'UNZ+1+1'")
    assert [o.order_number for o in sn.orders] == ["A", "B"]
    assert [[c.sscc for c in o.packs[0].packs] for o in sn.orders] == [["2"], ["3"]]
    assert [o.packs[0].sscc for o in sn.orders] == ["1", "1"]


def test_desadv_without_order_reference_uses_empty_order():
    sn = map_one("UNB+UNOC:3+S+R+260501:1200+1'UNH+1+DESADV:D:96A:UN'BGM+351+DN-3'"
                 "DTM+137:20260503:102'CPS+1'LIN+1'QTY+12:4'UNT+6+1'UNZ+1+1'")
    assert [(o.order_number, len(o.items)) for o in sn.orders] == [("", 1)]


def test_desadv_cps_cycle_does_not_loop():
    sn = map_one("UNB+UNOC:3+S+R+260501:1200+1'UNH+1+DESADV:D:96A:UN'BGM+351+DN-4'"
                 "DTM+137:20260503:102'RFF+ON:A'CPS+1+2'PAC+1++CT'CPS+2+1'PAC+1++CT'"
                 "LIN+1'QTY+12:4'UNT+9+1'UNZ+1+1'")
    assert len(sn.orders[0].packs) == 2


# --------------------------------------------------------------------------- errors

def _orders(body: str) -> str:
    return ("UNB+UNOC:3+S+R+260501:1200+1'UNH+1+ORDERS:D:96A:UN'"
            f"{body}UNT+9+1'UNZ+1+1'")


@pytest.mark.parametrize("body, tag, element, ref, text", [
    ("BGM+220'DTM+137:20260501:102'", "BGM", 2, "1004", "order number"),
    ("BGM+220+P1'DTM+137:20261301:102'", "DTM", 1, "2380", "not a valid date"),
    ("BGM+220+P1'DTM+137:20260501:999'", "DTM", 1, "2379", "not supported"),
    ("BGM+220+P1'DTM+137:20260501:102'LIN+1'QTY+21:1x'", "QTY", 1, "6060", "not a number"),
    ("BGM+220+P1'DTM+137:20260501:102'LIN+1'PRI+AAA:1,2,3'", "PRI", 1, "5118", "not a number"),
    ("BGM+220+P1'DTM+137:20260501:102'LIN+1'", "LIN", None, "6063", "QTY 21"),
    ("BGM+220+P1'", "DTM", 1, "2005", "DTM 137"),
    ("DTM+137:20260501:102'", "DTM", None, None, "BGM must come before"),
])
def test_orders_mapping_errors_name_the_position(body, tag, element, ref, text):
    with pytest.raises(MappingError) as info:
        map_one(_orders(body))
    err = info.value
    assert isinstance(err, EDIError)
    assert text in str(err)
    assert err.position.segment_tag == tag
    assert err.position.element_position == element
    assert err.position.element_reference == ref
    assert err.position.transaction == "1" and err.position.transaction_set == "ORDERS"


def test_error_position_has_segment_number_and_offset():
    text = _orders("BGM+220+P1'DTM+137:20260501:102'LIN+1'QTY+21:abc'")
    with pytest.raises(MappingError) as info:
        map_one(text)
    pos = info.value.position
    assert pos.segment_position == 5 and pos.bad_value == "abc"
    assert text.encode()[pos.offset:pos.offset + 4] == b"QTY+"


def test_unknown_message_type():
    with pytest.raises(MappingError, match="INVOIC"):
        map_message("INVOIC", [], MappingContext())


def test_ordrsp_without_order_number():
    with pytest.raises(MappingError, match="RFF ON"):
        map_one("UNB+UNOC:3+S+R+260501:1200+1'UNH+1+ORDRSP:D:96A:UN'BGM+231+R'"
                "DTM+137:20260501:102'UNT+4+1'UNZ+1+1'")


_TAGS = ["BGM", "DTM", "FTX", "RFF", "NAD", "CTA", "COM", "CUX", "LIN", "PIA", "IMD", "QTY",
         "PRI", "UNS", "CPS", "PAC", "PCI", "GIN", "MEA", "TDT", "EQD", "CNT", "LOC"]
_VALUES = st.sampled_from(["", "1", "21", "137", "220", "ON", "BJ", "BX", "BN", "AAA", "AAD",
                           "20260501", "102", "718", "X", "3", "5", "1,5", "-", "12.5", "EN",
                           "9", "2", "1x", "00000000"])
_SEGMENT = st.tuples(
    st.sampled_from(_TAGS),
    st.lists(st.lists(_VALUES, min_size=1, max_size=5), min_size=0, max_size=6))


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(sorted(MAPPERS)), st.lists(_SEGMENT, max_size=25))
def test_fuzz_only_mapping_errors(message_type, raw):
    _fuzz_one(message_type, raw)


@pytest.mark.slow
@settings(max_examples=5000, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(sorted(MAPPERS)), st.lists(_SEGMENT, max_size=60))
def test_fuzz_only_mapping_errors_long(message_type, raw):
    _fuzz_one(message_type, raw)


def _fuzz_one(message_type, raw):
    segs = [Segment(tag, [[tag]] + elements, i * 10, i + 2) for i, (tag, elements) in
            enumerate([("BGM", [["220"], ["N"]]), ("DTM", [["137", "20260501", "102"]])] + raw)]
    try:
        doc = map_message(message_type, segs, MappingContext(reference="1",
                                                             message_type=message_type))
    except MappingError:
        return
    assert doc is not None


def test_fuzz_corpus_mutations(corpus_dir):
    """Every corpus message with elements dropped or emptied: MappingError or a document."""
    for name in ("oca-edi/Retail_EDIFACT_ORDERS_sample1.txt", "bots-plugins/desadv1.edi",
                 "edinet/edifact.ORDRSP.edi", "edi4r/in2.edi"):
        for ms, ctx, segs in read_messages(corpus(corpus_dir, name)):
            for i in range(len(segs)):
                for mutate in (lambda s: s.elements[:2], lambda s: [s.elements[0]] +
                               [[""] for _ in s.elements[1:]],
                               lambda s: [s.elements[0]] + [["x" * 3] for _ in s.elements[1:]]):
                    changed = list(segs)
                    changed[i] = segs[i]._replace(elements=mutate(segs[i]))
                    try:
                        map_message(ms.message_type, changed, ctx)
                    except MappingError:
                        pass


def test_context_from_events():
    ((ms, ctx, _),) = read_messages(ORDERS_TEXT.encode())
    assert (ctx.directory, ctx.association_code, ctx.reference) == ("D96A", "EAN008", "1")
    assert ctx.chars.decimal == "," and ctx.interchange == "1"


def _manifest(corpus_dir: Path) -> list[tuple[str, str, str]]:
    rows = []
    for line in (corpus_dir / "MANIFEST.tsv").read_text(encoding="utf-8").splitlines()[1:]:
        cols = line.split("\t")
        if len(cols) > 7 and cols[1] == "edifact":
            rows.append((cols[0], cols[3], cols[7]))
    return rows


def test_every_corpus_message_maps_or_raises_mapping_error(corpus_dir):
    """All EDIFACT corpus files: each ORDERS/ORDRSP/DESADV message gives a
    document or a MappingError; the files the sources accept mostly map."""
    mapped = failed = 0
    for path, _types, _expected in _manifest(corpus_dir):
        for ms, ctx, segs in read_messages((corpus_dir / path).read_bytes()):
            if ms.message_type not in MAPPERS:
                continue
            try:
                doc = map_message(ms.message_type, segs, ctx)
            except MappingError as exc:
                assert exc.position.transaction_set == ms.message_type
                failed += 1
                continue
            assert doc.number
            mapped += 1
    assert mapped >= 25 and failed <= 6


@pytest.mark.parametrize("name", ["orders", "ordrsp", "desadv"])
def test_hot_tags_call_the_table_handlers(name: str) -> None:
    """read() calls the hottest handlers directly: they must be the table's own."""
    import importlib
    module = importlib.import_module(f"translators.edifact.mapping.{name}")
    assert module.HOT_TAGS
    for tag, handler in module.HOT_TAGS.items():
        assert module.HANDLERS[tag] is handler, tag
