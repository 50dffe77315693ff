"""X12 -> canonical mappings: corpus files, field habits, errors, mutation fuzz."""
from __future__ import annotations

import datetime as dt
import importlib.util
import os
import pathlib
import re
from decimal import Decimal as D

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from translators.canonical import (
    Contact, FunctionalAck, OrderResponse, Pack, ProductId, PurchaseOrder, ShipNotice,
)
from translators.findings import EDIError
from translators.x12.events import Delimiters, Segment
from translators.x12.mapping import MAPPERS, MappingContext, MappingError, map_transaction
from translators.x12.mapping.common import fix_text, unit_in, unit_out

_spec = importlib.util.spec_from_file_location(
    "_x12split", pathlib.Path(__file__).with_name("_x12split.py"))
split = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(split)  # type: ignore[union-attr]


def corpus_docs(corpus_dir: pathlib.Path, name: str) -> list:
    out = []
    for ctx, segments in split.transactions((corpus_dir / "x12" / name).read_bytes()):
        out.append(map_transaction(ctx.set_id, segments, ctx))
    return out


def body(set_id: str, text: str):
    ctx = MappingContext(set_id, "0001", "004010", Delimiters("*", ">", None, "~"))
    return split.segments_of(text, ctx.delimiters), ctx


def read(set_id: str, text: str):
    segments, ctx = body(set_id, text)
    return map_transaction(set_id, segments, ctx)


# --------------------------------------------------------------------------- corpus: 850

def test_node_x12_850(corpus_dir):
    (po,) = corpus_docs(corpus_dir, "node-x12/850.edi")
    assert isinstance(po, PurchaseOrder)
    assert po.number == "08292233294" and po.date == dt.date(2010, 11, 27)
    assert po.purpose == "original" and po.order_type == "standalone"
    assert po.requested_delivery_date == dt.date(2010, 12, 14)
    assert len(po.lines) == 6
    first = po.lines[0]
    assert (first.line_number, first.quantity, first.unit, first.unit_price) == ("1", D(120), "EA", D("9.25"))
    assert ProductId("vendor", "AB3542") in first.product_ids
    assert ProductId("x12:CB", "065322-117") in first.product_ids
    assert first.description == "SMALL WIDGET"
    assert sum(line.quantity for line in po.lines) == 120 + 220 + 126 + 76 + 72 + 696
    (ship_to,) = po.parties
    assert (ship_to.role, ship_to.name, ship_to.id, ship_to.city) == ("ship_to", "XYZ RETAIL", "0003947268292", "SOLON")
    assert ship_to.address == ["31875 SOLON RD"]
    assert [r.qualifier for r in po.references] == ["department", "x12:PS"]


def test_node_x12_850_fat_has_two_interchanges(corpus_dir):
    docs = corpus_docs(corpus_dir, "node-x12/850_fat.edi")
    assert len(docs) == 2 and docs[0] == docs[1]


def test_stupidedi_850s(corpus_dir):
    (po,) = corpus_docs(corpus_dir, "stupidedi/004010_PO850_pass_1.edi")
    assert po.number == "PO12345" and po.order_type == "x12:NE"
    assert po.lines[0].line_number == "" and po.lines[0].product_ids == [ProductId("vendor", "VENDORSKU")]
    (basic,) = corpus_docs(corpus_dir, "stupidedi/004010_X357_SC850_pass_basic-po.edi")
    assert basic.order_type == "release" and basic.release_number == "1001"
    assert basic.lines[0].product_ids == [ProductId("manufacturer", "R5656-2")]
    assert basic.parties[0].role == "buyer" and basic.parties[0].id_scheme == "duns4"
    (tax,) = corpus_docs(corpus_dir, "stupidedi/004010_X357_SC850_pass_taxexempt-po.edi")
    assert tax.parties[-1].role == "buyer"
    assert tax.parties[-1].contact == Contact("ED SMITH", "8001234567", None)


def test_edinet_850_with_bom_and_nbsp_padding(corpus_dir):
    (po,) = corpus_docs(corpus_dir, "edinet/x12.850.edi")
    assert po.number == "1000012" and po.lines[0].unit_price == D("19.95")
    assert po.parties[0].postal_code == "11788-1234" and po.parties[0].country == "US"


# --------------------------------------------------------------------------- corpus: 855

def test_node_x12_855(corpus_dir):
    (ack,) = corpus_docs(corpus_dir, "node-x12/855.edi")
    assert isinstance(ack, OrderResponse)
    assert ack.order_number == "POTEST1112" and ack.number == "60169126"
    assert ack.status == "accepted" and ack.currency == "USD"
    assert [line.status for line in ack.lines] == ["accepted", "rejected", "rejected", "accepted"]
    assert ack.lines[0].quantity == 3 and ack.lines[0].unit == "C62"
    assert ack.lines[0].product_ids[0] == ProductId("gtin", "9780446360265")
    assert ack.lines[1].ordered_quantity == 2 and ack.lines[1].quantity == 0
    assert ack.parties[0].address == ["REGULAR EDI ACCOUNT", "ATTN ACQ SERVS", "7615 DISALLE BOULEVARD"]


def test_stupidedi_855_minor_changes_multiple_acks(corpus_dir):
    (ack,) = corpus_docs(corpus_dir, "stupidedi/004010_X358_SC855_pass_po-ack-minor-changes.edi")
    assert ack.status == "accepted_with_changes" and ack.number == "XX-1234"
    assert [(r.qualifier, r.value) for r in ack.references] == [("contract", "AE123")]  # BAK07
    # PO1 1 carries ACK IP + DR + IQ + IS: one ResponseLine per ACK (status part)
    *parts, line2, line3 = ack.lines
    assert [p.status for p in parts] == [
        "price_changed", "date_changed", "quantity_changed", "substituted"]
    assert {p.line_number for p in parts} == {"1"}
    assert all(p.ordered_quantity == 25 and p.unit == "EA" for p in parts)
    assert all(p.unit_price == D(9) for p in parts)  # CTP03 overrides PO104 9.5
    assert [p.quantity for p in parts] == [None, None, 20, None]
    assert [p.scheduled_date for p in parts] == [None, dt.date(2017, 5, 20), None, None]
    # the substitute's id from ACK07/08 belongs to the IS part only
    assert ProductId("manufacturer", "XX-1234-A") in parts[3].product_ids
    assert all(ProductId("manufacturer", "XX-1234-A") not in p.product_ids for p in parts[:3])
    assert (line2.status, line3.status) == ("accepted", "rejected")
    assert ack.parties == [ack.parties[0]] and ack.parties[0].role == "supplier"
    assert ack.parties[0].contact.phone == "1-800-555-1212"


def test_stupidedi_855_ship_details_and_pass(corpus_dir):
    (ack,) = corpus_docs(corpus_dir, "stupidedi/004010_X358_SC855_pass_po-ack-ship-details.edi")
    assert [line.scheduled_date for line in ack.lines] == [
        dt.date(2017, 5, 1), dt.date(2017, 5, 15), dt.date(2017, 5, 15)]
    (ack,) = corpus_docs(corpus_dir, "stupidedi/004010_PR855_pass_1.edi")
    assert (ack.number, ack.order_number, ack.date, ack.order_date) == (
        "338093", "1D711419", dt.date(2017, 4, 25), dt.date(2017, 5, 2))
    assert ack.lines[0].status == "accepted" and ack.lines[0].ordered_quantity == 72


def test_staedi_two_855_in_one_group(corpus_dir):
    docs = corpus_docs(corpus_dir, "staedi/multi-tx-transaction-type.edi")
    assert [d.order_number for d in docs] == ["ORDER1", "ORDER2"]
    assert all(d.status == "accepted_with_changes" and d.purpose == "x12:54" for d in docs)


# --------------------------------------------------------------------------- corpus: 856

def test_node_x12_856(corpus_dir):
    (asn,) = corpus_docs(corpus_dir, "node-x12/856.edi")
    assert isinstance(asn, ShipNotice)
    assert asn.number == "829716" and asn.shipped_date == dt.date(2011, 12, 6)
    assert asn.bill_of_lading == "999999-001" and asn.tracking_number == "5787970539"
    assert asn.gross_weight == D("60.310") and asn.weight_unit == "LBR" and asn.package_count == 2
    assert asn.carrier == "XXXX"
    (order,) = asn.orders
    assert order.order_number == "99999817" and order.order_date == dt.date(2011, 12, 5)
    assert [i.quantity for i in order.items] == [24, 6] and order.packs == []
    assert order.items[0].product_ids == [ProductId("vendor", "87787D"), ProductId("gtin", "999999310145")]
    assert [p.role for p in asn.parties] == ["x12:SH", "x12:OB", "ship_from"]


def test_bots_856_orders_packs_sscc(corpus_dir):
    first, second = corpus_docs(corpus_dir, "bots-plugins/856_2.x12")
    assert [o.order_number for o in first.orders] == ["ordernumber1", "ordernumber2", "ordernumber4"]
    assert [len(o.packs) for o in first.orders] == [2, 2, 1]
    pack = first.orders[1].packs[1]
    assert pack.sscc == "0000123456781234567892"
    assert [i.line_number for i in pack.items] == ["3", "5"]
    assert pack.items[1].quantity == 24 and pack.items[1].ordered_quantity == 24
    assert first.parties[3].name == "JIT MANUFACTURING ACCOUNTS  PAYABLE DEPARTMENT"
    assert second.parties[1].id_scheme == "gln"
    assert sum(len(p.items) for o in second.orders for p in o.packs) == 2


def test_broken_856_gives_mapping_error(corpus_dir):
    with pytest.raises(MappingError) as info:
        corpus_docs(corpus_dir, "stupidedi/004010_SH856_fail_2.edi")
    assert info.value.segment_tag == "HL" and info.value.element_position == 2


# --------------------------------------------------------------------------- corpus: 997/999

def test_997_004010(corpus_dir):
    (ack,) = corpus_docs(corpus_dir, "stupidedi/004010_FA997_pass_1.edi")
    assert isinstance(ack, FunctionalAck)
    assert (ack.ack_type, ack.status, ack.functional_id, ack.group_control_number) == ("997", "accepted", "AG", "160")
    assert (ack.included, ack.received, ack.accepted) == (1, 1, 1)
    assert ack.transactions[0].control_number == "0160"


def test_997_005010_with_element_errors(corpus_dir):
    (ack,) = corpus_docs(corpus_dir, "stupidedi/005010_X230_FA997_pass_response-to-837s.edi")
    assert ack.status == "partially_accepted" and ack.version == "005010"
    bad = ack.transactions[1]
    assert bad.status == "rejected" and bad.codes == ["5"]
    (err,) = bad.errors  # AK3 code 8 only frames its AK4
    assert (err.level, err.segment_tag, err.segment_position, err.element_position,
            err.element_reference, err.code) == ("element", "CLM", 22, 1, "1028", "1")
    (ack,) = corpus_docs(corpus_dir, "staedi/simple997.edi")
    assert ack.status == "rejected" and ack.transactions[0].errors[0].bad_value == "MI"


def test_999(corpus_dir):
    (ack,) = corpus_docs(corpus_dir, "staedi/simple999.edi")
    assert ack.ack_type == "999" and ack.accepted == 1 and len(ack.transactions) == 3
    seg_error = ack.transactions[2].errors[0]
    assert (seg_error.level, seg_error.segment_tag, seg_error.segment_position, seg_error.code) == (
        "segment", "REF", 57, "3")
    assert ack.transactions[1].errors[0].element_reference == "782"


def test_empty_997_is_a_mapping_error(corpus_dir):
    with pytest.raises(MappingError, match="AK9"):
        corpus_docs(corpus_dir, "staedi/empty997.edi")


# --------------------------------------------------------------------------- field habits

PO_HEAD = "BEG*00*SA*PO1**20261127~"


def test_po1_qualifiers_and_units():
    po = read("850", PO_HEAD + "PO1*1*2*CA*3.5**UP*0-12345-67890-5*EN*4006381333931*UK*00012345600012"
                               "*MG*M1*SK*S1*IN*B9*ZZ*Q~PO1*2*1*ZZ~")
    ids = po.lines[0].product_ids
    assert ids[0] == ProductId("gtin", "012345678905")
    assert [p.scheme for p in ids] == ["gtin", "gtin", "gtin", "manufacturer", "sku", "buyer", "x12:ZZ"]
    assert po.lines[0].unit == "CS" and po.lines[1].unit == "x12:ZZ"


def test_dates_and_fallback_qualifiers():
    po = read("850", PO_HEAD + "DTM*038*20261210~DTM*010*20261205~DTM*064*20261211~"
                               "PO1*1*1*EA~DTM*037*261201~")
    assert po.requested_ship_date == dt.date(2026, 12, 5)  # 010 wins over 038
    assert po.requested_delivery_date == dt.date(2026, 12, 11)
    assert po.lines[0].requested_ship_date == dt.date(2026, 12, 1)  # YYMMDD accepted


def test_parties_n2_and_schemes():
    po = read("850", PO_HEAD + "N1*BY*ACME*UL*0614141000012~N2*PURCHASING~N1*VN*GLOBEX*92*V1~"
                               "PER*IC*Al*EM*al@x.example*TE*555~N1*RI*LOCKBOX*91*R~N1*SF*DC*1*123~"
                               "PO1*1*1*EA~")
    roles = [(p.role, p.id_scheme) for p in po.parties]
    assert roles == [("buyer", "gln"), ("supplier", "buyer_assigned"), ("remit_to", "seller_assigned"),
                     ("ship_from", "duns")]
    assert po.parties[0].name == "ACME PURCHASING"
    assert po.parties[1].contact == Contact("Al", "555", "al@x.example")


@pytest.mark.parametrize("text, tag, element", [
    ("BEG*00*SA**20261127~", "BEG", 3),
    ("BEG*00*SA*PO1**2026~", "BEG", 5),
    (PO_HEAD + "PO1*1*ten*EA~", "PO1", 2),
    (PO_HEAD + "PO1*1**EA~", "PO1", 2),
    (PO_HEAD + "PO1*1*1~", "PO1", 3),
    (PO_HEAD + "PO1*1*1*EA*1e5~", "PO1", 4),
    (PO_HEAD + "PO1*1*1*EA~DTM*002*20261340~", "DTM", 2),
])
def test_mapping_errors_name_segment_and_element(text, tag, element):
    with pytest.raises(MappingError) as info:
        read("850", text)
    err = info.value
    assert isinstance(err, EDIError)
    assert (err.segment_tag, err.element_position) == (tag, element)
    assert err.position.transaction == "0001" and err.segment_position >= 2
    assert f"{tag}{element:02d}" in str(err)


def test_missing_header_segment():
    with pytest.raises(MappingError, match="BEG"):
        read("850", "PO1*1*1*EA~")
    with pytest.raises(MappingError, match="BSN"):
        read("856", "HL*1**S~")
    with pytest.raises(MappingError, match="no mapping"):
        read("810", "BIG*20261127*1~")


def test_855_statuses():
    ack = read("855", "BAK*00*RJ*PO1*20261120~PO1*1*5*EA~PO1*2*5*EA~ACK*IA*5*EA~ACK*IR~")
    assert ack.status == "rejected"
    # PO1 1 has no ACK: rejected with the header; PO1 2 has two ACKs: two parts
    assert [line.status for line in ack.lines] == ["rejected", "accepted", "rejected"]
    assert [line.line_number for line in ack.lines] == ["1", "2", "2"]
    assert [line.quantity for line in ack.lines] == [None, 5, None]
    ack = read("855", "BAK*00*ZZ*PO1*20261120~PO1*1*5*EA~ACK*IB*5*EA*068*20270101~ACK*IB~")
    assert ack.status == "x12:ZZ"
    assert [line.status for line in ack.lines] == ["backordered", "backordered"]
    assert [line.scheduled_date for line in ack.lines] == [dt.date(2027, 1, 1), None]


SPLIT_855 = ("BAK*00*AC*PO-9*20261120~PO1*1*100*EA*2.5**VP*V-1*BP*B-1~PID*F****Widget~"
             "ACK*IA*60*EA*068*20261201~ACK*IB*40*EA*068*20261215~"
             "PO1*2*5*EA~ACK*IA*5*EA~CTT*2~")


def test_855_line_with_two_acks_gives_one_line_per_status_part():
    ack = read("855", SPLIT_855)
    first, second, other = ack.lines
    assert (first.status, first.quantity, first.scheduled_date) == (
        "accepted", D(60), dt.date(2026, 12, 1))
    assert (second.status, second.quantity, second.scheduled_date) == (
        "backordered", D(40), dt.date(2026, 12, 15))
    for part in (first, second):  # PO1 fields are shared by both parts
        assert part.line_number == "1" and part.ordered_quantity == D(100)
        assert part.unit == "EA" and part.unit_price == D("2.5")
        assert part.description == "Widget"
        assert part.product_ids == [ProductId("vendor", "V-1"), ProductId("buyer", "B-1")]
    assert (other.line_number, other.status, other.quantity) == ("2", "accepted", D(5))


def test_855_ack_date_wins_over_sch_and_line_dtm_per_part():
    # parts without their own ACK05 take the PO1 loop's SCH06 (else DTM), as one ACK does
    ack = read("855", "BAK*00*AC*PO-9*20261120~PO1*1*10*EA~DTM*002*20261130~"
                      "ACK*IA*6*EA~ACK*IB*4*EA*068*20261215~SCH*10*EA***002*20261205~")
    assert [line.scheduled_date for line in ack.lines] == [
        dt.date(2026, 12, 5), dt.date(2026, 12, 15)]
    ack = read("855", "BAK*00*AC*PO-9*20261120~PO1*1*10*EA~DTM*002*20261130~ACK*IA*10*EA~")
    assert ack.lines[0].scheduled_date == dt.date(2026, 11, 30)


HL_SHUFFLED = ("BSN*00*ASN1*20261127*1015~"
               "HL*4*3*I~LIN*1*BP*A*LT*L1*SN*S1*SN*S2~SN1**5*EA~DTM*036*20281231~"
               "HL*3*2*P~MAN*GM*00000000000000000017~TD1*CTN25*1~"
               "HL*2*5*T~MAN*GM*00000000000000000024~"
               "HL*5*6*O~PRF*PO1***20261120~"
               "HL*6**S~TD5*B*2*UPSN*U*UPS~"
               "HL*7*5*I~SN1*7*2*PL~"
               "HL*8*1*T~HL*1*6*O~PRF*PO2~HL*9*8*I~SN1**1*EA~")


def test_856_hierarchy_in_any_order():
    asn = read("856", HL_SHUFFLED)
    assert [o.order_number for o in asn.orders] == ["PO1", "PO2"]
    po1, po2 = asn.orders
    assert asn.carrier == "UPSN" and asn.transport_mode == "parcel" and asn.carrier_name == "UPS"
    (tare,) = po1.packs
    assert tare.sscc == "00000000000000000024"
    (pack,) = tare.packs
    assert (pack.sscc, pack.package_type) == ("00000000000000000017", "CT")
    (item,) = pack.items
    assert (item.lot, item.serials, item.expiry_date) == ("L1", ["S1", "S2"], dt.date(2028, 12, 31))
    assert po1.items[0].line_number == "7" and po1.items[0].unit == "PF"
    assert po2.packs == [Pack(items=po2.packs[0].items)] and po2.packs[0].items[0].quantity == 1


def test_856_pallet_above_orders_is_repeated_per_order():
    asn = read("856", "BSN*00*A*20261127*1015~HL*1**S~HL*2*1*T~MAN*GM*PALLET~"
                      "HL*3*2*O~PRF*PO1~HL*4*3*I~SN1**1*EA~HL*5*2*O~PRF*PO2~HL*6*5*I~SN1**2*EA~")
    assert [(o.order_number, o.packs[0].sscc, o.packs[0].items[0].quantity) for o in asn.orders] == [
        ("PO1", "PALLET", 1), ("PO2", "PALLET", 2)]


@pytest.mark.parametrize("text, message", [
    ("HL*1**S~HL*2*1*O~HL*3*2*I~SN1**1*EA~", "PRF"),
    ("HL*1**S~HL*2*1*O~PRF*P~HL*3*2*I~LIN**BP*X~", "SN1"),
    ("HL*1*2*S~HL*2*1*O~PRF*P~", "cycle"),
    ("HL*1**S~HL*2*9*O~PRF*P~", "names no HL"),
    ("HL*1**S~HL*1**O~", "twice"),
])
def test_856_structure_errors(text, message):
    with pytest.raises(MappingError, match=message):
        read("856", "BSN*00*A*20261127*1015~" + text)


def test_utf8_text_decoded_as_latin1_is_repaired():
    raw = "N1*ST*Müller GmbH~".encode("utf-8").decode("latin-1")
    po = read("850", PO_HEAD + raw + "PO1*1*1*EA~")
    assert po.parties[0].name == "Müller GmbH"
    assert fix_text("Müller") == "Müller" and fix_text("plain") == "plain"
    assert fix_text("\xe9t\xe9") == "\xe9t\xe9"  # latin-1 text that is not UTF-8 stays


def test_units_both_ways():
    assert [unit_in(u) for u in ("EA", "CA", "DZ", "KG", "LB", "FT", "QQ")] == [
        "EA", "CS", "DZN", "KGM", "LBR", "FOT", "x12:QQ"]
    assert [unit_out(u) for u in ("CS", "DZN", "KGM", "x12:QQ", "H87")] == ["CA", "DZ", "KG", "QQ", "PC"]
    with pytest.raises(EDIError, match="'XYZ'"):
        unit_out("XYZ")


def test_mappers_table():
    assert set(MAPPERS) == {"850", "855", "856", "997", "999"}


@pytest.mark.parametrize("name", ["po850", "po855", "sh856"])
def test_hot_tags_call_the_table_handlers(name: str) -> None:
    """read() calls the hottest handlers directly: they must be the table's own."""
    import importlib
    module = importlib.import_module(f"translators.x12.mapping.{name}")
    assert module.HOT_TAGS
    for tag, handler in module.HOT_TAGS.items():
        assert module.HANDLERS[tag] is handler, tag


# --------------------------------------------------------------------------- mutation fuzz

CORPUS_FILES = [
    "node-x12/850.edi", "node-x12/855.edi", "node-x12/856.edi", "bots-plugins/856_2.x12",
    "stupidedi/004010_X358_SC855_pass_po-ack-minor-changes.edi",
    "stupidedi/005010_X231A1_FA999_pass_response-to-3-837s.edi", "staedi/simple997.edi",
]


def _samples() -> list:
    # same lookup as tests/conftest.py (fixtures are not available at collection time)
    shared = pathlib.Path(os.environ.get("EDI_SHARED_DIR",
                                         pathlib.Path(__file__).resolve().parents[3] / "shared"))
    out = []
    for name in CORPUS_FILES:
        out.extend(split.transactions((shared / "corpus" / "x12" / name).read_bytes()))
    return out


SAMPLES = _samples()
JUNK = st.sampled_from(["", "X", "-1", "1.5.5", "ABC", "20261340", "99999999999999999999", "é",
                        "0", "1e9", "NaN", " ", "O", "I", "S", "P", "T", "GM", "LT", "SN"])


@st.composite
def mutated(draw):
    ctx, segments = draw(st.sampled_from(SAMPLES))
    segs = [list(s.elements) for s in segments]
    for _ in range(draw(st.integers(1, 6))):
        if not segs:
            break
        i = draw(st.integers(0, len(segs) - 1))
        action = draw(st.sampled_from(["set", "drop_el", "drop_seg", "dup_seg", "add_el", "swap"]))
        seg = segs[i]
        if action == "set" and len(seg) > 1:
            seg[draw(st.integers(1, len(seg) - 1))] = draw(JUNK)
        elif action == "drop_el" and len(seg) > 1:
            del seg[draw(st.integers(1, len(seg) - 1)):]
        elif action == "drop_seg":
            del segs[i]
        elif action == "dup_seg":
            segs.insert(i, list(seg))
        elif action == "add_el":
            seg.extend([draw(JUNK)] * draw(st.integers(1, 30)))
        elif action == "swap":
            j = draw(st.integers(0, len(segs) - 1))
            segs[i], segs[j] = segs[j], segs[i]
    return ctx, [Segment(e[0], e, 0, n + 2) for n, e in enumerate(segs)]


def _map_or_error(sample) -> None:
    ctx, segments = sample
    try:
        doc = map_transaction(ctx.set_id, segments, ctx)
    except MappingError as err:
        assert err.position.transaction == ctx.control_number
        return
    assert doc is not None


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(sample=mutated())
def test_mutated_segments_give_document_or_mapping_error(sample):
    _map_or_error(sample)


@pytest.mark.slow
@settings(max_examples=20000, deadline=None, suppress_health_check=list(HealthCheck))
@given(sample=mutated())
def test_mutated_segments_long(sample):
    _map_or_error(sample)


@pytest.mark.parametrize("index", range(len(SAMPLES)))
def test_plain_sets_map_the_same_without_the_text_checks(index: int) -> None:
    """MappingContext.plain (the reader saw only ASCII in the set) lets the mappings skip
    their per-value repair check: the documents are the same as with it."""
    ctx, segments = SAMPLES[index]
    if ctx.set_id not in MAPPERS:
        pytest.skip(f"no mapper for {ctx.set_id}")
    if not all(v.isascii() for s in segments for v in s.elements if isinstance(v, str)):
        pytest.skip("not plain")
    try:
        checked = map_transaction(ctx.set_id, segments, ctx._replace(plain=False))
    except MappingError as exc:
        with pytest.raises(MappingError, match=re.escape(str(exc))):
            map_transaction(ctx.set_id, segments, ctx._replace(plain=True))
        return
    assert map_transaction(ctx.set_id, segments, ctx._replace(plain=True)) == checked


def test_a_set_that_is_not_plain_is_still_repaired() -> None:
    raw = "N1*ST*Müller GmbH~".encode("utf-8").decode("latin-1")
    segments, ctx = body("850", "BEG*00*SA*PO1**20261127~" + raw + "PO1*1*1*EA~")
    assert not ctx.plain
    po = map_transaction("850", segments, ctx)
    assert po.parties[0].name == "Müller GmbH"


# --------------------------------------------------------------------------- 856 placement

_LEVELS = ["S", "O", "P", "T", "I", "X", ""]


@st.composite
def _hierarchies(draw):
    """Random HL hierarchies: parents before or after their children, missing, themselves,
    duplicate ids, packs above orders, items without an order, levels without SN1/PRF."""
    n = draw(st.integers(1, 14))
    ids = [str(i + 1) for i in range(n)]
    if draw(st.integers(0, 9)) == 0:  # now and then a duplicate id
        ids[draw(st.integers(0, n - 1))] = ids[draw(st.integers(0, n - 1))]
    usual = draw(st.booleans())  # most hierarchies in the field: parents first
    segs = ["BSN*00*A*20261127*1015"]
    for i in range(n):
        if usual:
            parent = ids[draw(st.integers(0, i - 1))] if i and draw(st.integers(0, 5)) else ""
            level = draw(st.sampled_from(["S", "O", "P", "T", "I", "I", "I"]))
        else:
            parent = draw(st.sampled_from(["", "99", ids[i]] + ids))
            level = draw(st.sampled_from(_LEVELS))
        segs.append(f"HL*{ids[i]}*{parent}*{level}")
        if level == "O" and draw(st.integers(0, 7)):
            segs.append(f"PRF*PO{i}")
        if level in ("P", "T") and draw(st.booleans()):
            segs.append(f"MAN*GM*SSCC{i}")
        if level == "I" and draw(st.integers(0, 7)):
            segs.append(f"LIN*{i}*BP*B{i}*LT*L{i}")
            segs.append(f"SN1**{i + 1}*EA")
    return "~".join(segs) + "~"


def _outcome(text: str, simple: bool):
    from translators.canonical import to_dict
    from translators.x12.mapping import sh856
    segments, ctx = body("856", text)
    try:
        return to_dict(sh856.read_levels(segments, ctx, simple))
    except MappingError as exc:
        return ("error", str(exc), exc.segment_position, exc.element_position)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_hierarchies())
def test_856_one_pass_placement_is_build(text):
    # the one-pass placement of the usual shapes gives exactly what _build gives
    assert _outcome(text, True) == _outcome(text, False)


def test_856_one_pass_placement_is_taken_for_the_usual_shape():
    from translators.x12.mapping import sh856
    segments, ctx = body("856", "BSN*00*A*20261127*1015~HL*1**S~HL*2*1*O~PRF*P~HL*3*2*P~"
                                "HL*4*3*I~SN1**1*EA~HL*5*2*I~SN1**2*EA~HL*6*1*I~SN1**3*EA~")
    st_ = sh856._State(ctx)
    for seg in segments:
        (sh856.HOT_TAGS.get(seg.tag) or sh856.HANDLERS.get(seg.tag, lambda s, g: None))(st_, seg)
    doc = st_.doc
    assert sh856._place_simple(st_, doc)
    (order, loose) = doc.orders
    assert [i.quantity for i in order.packs[0].items] == [1] and order.items[0].quantity == 2
    assert (loose.order_number, loose.items[0].quantity) == ("", 3)


@pytest.mark.skipif(__import__("sys").implementation.name != "cpython"
                    or __import__("sys").version_info[:2] not in ((3, 11), (3, 12)),
                    reason="reads the dict layout of CPython 3.11/3.12")
def test_per_segment_tables_are_str_keyed():
    """Tables looked up once or more per segment keep CPython's str-only keys layout
    (codes.str_keyed): a compiled module would build their displays presized, with the
    general layout, whose lookups compare keys through PyObject_RichCompare."""
    import ctypes

    from translators.codes import str_keyed
    from translators.x12 import reader as x12_reader
    from translators.x12 import validator
    from translators.x12.mapping import common, fa997, po850, po855, sh856

    def layout(d: dict) -> int:  # PyDictObject.ma_keys -> PyDictKeysObject.dk_kind
        keys = ctypes.c_void_p.from_address(id(d) + 32).value
        return ctypes.c_uint8.from_address(keys + 10).value

    general = {str(i): i for i in range(3)}
    general[0] = 0  # type: ignore[index]  # a non-str key: the general layout
    assert layout(general) == 0 and layout(str_keyed({"a": 1, "b": 2})) == 1
    tables = [common.UNITS, common.PRODUCT_SCHEMES, common.PARTY_ROLES, common.ID_SCHEMES,
              common.REFERENCE_QUALIFIERS, common.PURPOSES, common.ADDRESS_HANDLERS,
              sh856.HANDLERS, sh856.PACKAGE_TYPES, sh856.TRANSPORT_MODES, po850.HANDLERS,
              po855.HANDLERS, po855.LINE_STATUSES, fa997.HANDLERS, x12_reader.X12Reader()._kinds,
              *validator._table("004010", "856", "*", ">", None)]
    assert [layout(t) for t in tables] == [1] * len(tables)
