"""canonical -> X12 writer: grouping, envelopes, errors, and independent checks
of the output (our schema validator and envelope checks, pyx12's reader)."""
from __future__ import annotations

import datetime as dt
import importlib.util
import io
import pathlib
from decimal import Decimal as D

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pyx12.x12file import X12Reader as Pyx12Reader

from translators.canonical import (
    FunctionalAck, OrderLine, Party, PurchaseOrder, ShipItem, ShipmentOrder,
    ShipNotice,
)
from translators.findings import ERROR, EDIError, Finding
from translators.x12.events import Delimiters
from translators.x12.serialize import Envelope, MemoryControlNumbers
from translators.x12.writer import document_segments, render

_spec = importlib.util.spec_from_file_location(
    "test_roundtrip_docs", pathlib.Path(__file__).with_name("test_roundtrip.py"))
docs = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(docs)  # type: ignore[union-attr]

NOW = dt.datetime(2026, 11, 27, 9, 30)
DELIMS = {"004010": Delimiters("*", ">", None, "~", "\n"),
          "005010": Delimiters("*", ">", "^", "~", "\n")}


def envelope(version: str, **kw) -> Envelope:
    return Envelope("ACMEMFG", "GLOBEX", version=version, delimiters=DELIMS[version[:6]], **kw)


def all_documents(version: str) -> list:
    out = [docs.rich_po(), docs.rich_po_response(), docs.rich_asn(), docs.rich_997()]
    if version.startswith("005"):
        out.append(docs.rich_999())
    return out


def small_po(number: str) -> PurchaseOrder:
    return PurchaseOrder(number, dt.date(2026, 11, 20), lines=[OrderLine("1", D(1), "EA")])


def test_groups_by_type_in_first_appearance_order():
    asn = ShipNotice("A1", dt.date(2026, 11, 27), orders=[ShipmentOrder("P1", items=[
        ShipItem("1", D(1), "EA")])])
    counter = MemoryControlNumbers()
    w = render([small_po("P1"), asn, small_po("P2"), docs.rich_po_response()],
               envelope("004010"), counter, NOW)
    lines = w.text.splitlines()
    gs = [line.split("*")[1] for line in lines if line.startswith("GS*")]
    assert gs == ["PO", "SH", "PR"]
    assert [line.split("*")[1] for line in lines if line.startswith("ST*")] == ["850", "850", "856", "855"]
    assert w.group_control_numbers == ["1", "2", "3"]
    assert w.transaction_control_numbers == [["0001", "0002"], ["0003"], ["0004"]]
    assert lines[0][-3:] == "*>~" and "*U*00401*000000001*" in lines[0]
    assert lines[1].endswith("*X*004010~") and lines[-1] == "IEA*3*000000001~"
    # the counter moves on: a second interchange gets new numbers
    w2 = render([small_po("P3")], envelope("004010"), counter, NOW)
    assert w2.interchange_control_number == "000000002" and w2.group_control_numbers == ["4"]


def test_005010_envelope_and_implementation_reference():
    w = render([small_po("P1")], envelope("005010X999"), MemoryControlNumbers(), NOW)
    assert "*^*00501*" in w.text.splitlines()[0]
    assert "ST*850*0001*005010X999~" in w.text


def test_document_segments_shapes():
    segs = document_segments(docs.rich_po(), "004010")
    assert segs[0][:3] == ["BEG", "04", "BK"] and segs[-1] == ["CTT", "4"]
    assert sum(1 for s in segs if s[0] == "PO1") == 4
    asn = document_segments(docs.rich_asn(), "004010")
    levels = [s[3] for s in asn if s[0] == "HL"]
    assert levels[:4] == ["S", "O", "I", "T"] and levels.count("O") == 2
    assert asn[-1] == ["CTT", str(len(levels))]
    ack = document_segments(docs.rich_997(), "005010")
    assert ack[0][0] == "AK1" and ack[-1][0] == "AK9"
    assert any(s[0] == "AK4" and s[1] == ("4", "2", "") for s in ack)


@pytest.mark.parametrize("doc, message", [
    (PurchaseOrder("P", dt.date(2026, 1, 1), lines=[OrderLine("1", D(1), "XYZ")]), "unit 'XYZ'"),
    (PurchaseOrder("P", dt.date(2026, 1, 1), purpose="sideways"), "purpose 'sideways'"),
    (PurchaseOrder("P", dt.date(2026, 1, 1), parties=[Party("mystery", "X")]), "party role 'mystery'"),
    (PurchaseOrder("P", dt.date(2026, 1, 1), parties=[Party("buyer")]), "name or an id"),
    (PurchaseOrder("P", dt.date(2026, 1, 1), notes=["a*b"]), "element separator"),
    (PurchaseOrder("", dt.date(2026, 1, 1)), "number is empty"),
    (ShipNotice("A", dt.date(2026, 1, 1), gross_weight=D(1)), "weight_unit"),
    (ShipNotice("A", dt.date(2026, 1, 1), orders=[ShipmentOrder("")]), "order_number"),
    (FunctionalAck("999", "accepted"), "005010"),
    (FunctionalAck("CONTRL", "accepted"), "CONTRL"),
    (FunctionalAck("997", "maybe"), "maybe"),
    (PurchaseOrder("P", dt.date(2026, 1, 1), lines=[OrderLine("1", "many", "EA")]), "malformed"),
])
def test_impossible_documents_raise_edierror(doc, message):
    with pytest.raises(EDIError, match=message):
        render([doc], envelope("004010"), MemoryControlNumbers(), NOW)


def test_no_documents_and_bad_version():
    with pytest.raises(EDIError):
        render([], envelope("004010"), MemoryControlNumbers(), NOW)
    with pytest.raises(EDIError, match="unsupported"):
        render([small_po("P")], Envelope("A", "B", version="003040"), MemoryControlNumbers(), NOW)


# --------------------------------------------------------------------------- independent checks

@pytest.mark.parametrize("version", ["004010", "005010"])
def test_pyx12_reads_everything_we_write(version):
    text = render(all_documents(version), envelope(version), MemoryControlNumbers(), NOW).text
    reader = Pyx12Reader(io.StringIO(text))
    errors, tags = [], []
    for seg in reader:
        tags.append(seg.get_seg_id())
        errors.extend(reader.pop_errors())
    errors.extend(reader.pop_errors())
    assert errors == []
    assert tags.count("ST") == len(all_documents(version)) and tags[-1] == "IEA"


def _validator_findings(data: bytes) -> list[Finding]:
    from translators.x12.envelope import validate_envelope
    from translators.x12.reader import iter_events
    from translators.x12.validator import validate_transactions

    return [ev for ev in validate_transactions(validate_envelope(iter_events(data)))
            if isinstance(ev, Finding) and ev.severity == ERROR]


@pytest.mark.parametrize("version", ["004010", "005010"])
def test_schema_validator_accepts_what_we_write(version):
    written = render(all_documents(version), envelope(version), MemoryControlNumbers(), NOW)
    findings = _validator_findings(written.encode())
    assert [f.describe() for f in findings] == []


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_schema_validator_accepts_generated_documents(data):
    version = data.draw(st.sampled_from(["004010", "005010"]))
    doc = data.draw(st.one_of(docs.purchase_order, docs.order_response, docs.ship_notice(),
                              docs.functional_ack(version)))
    written = render([doc], envelope(version), MemoryControlNumbers(), NOW)
    assert [f.describe() for f in _validator_findings(written.encode())] == []
