"""translators.edifact.contrl: CONTRL generation (syntax 3 and 4) and reading."""
from __future__ import annotations

import datetime as dt
import os
import pathlib

import pytest

from translators.canonical import FunctionalAck
from translators.edifact.contrl import ContrlBuilder, acknowledge, read_contrl
from translators.edifact.envelope import validate_envelope
from translators.edifact.events import MessageStart, Segment
from translators.edifact.reader import iter_events
from translators.findings import EDIError, Finding, Position
from translators.x12.serialize import MemoryControlNumbers

ROOT = pathlib.Path(__file__).resolve().parents[2]
CORPUS = pathlib.Path(os.environ.get("EDI_SHARED_DIR", ROOT.parent / "shared")) / "corpus"
NOW = dt.datetime(2024, 3, 4, 5, 6)


def corpus(name: str) -> bytes:
    return (CORPUS / "edifact" / name).read_bytes()


def contrl(data: bytes, extra=None, **kw):
    events = list(validate_envelope(iter_events(data)))
    if extra:
        events = extra(events)
    return list(acknowledge(events, counter=MemoryControlNumbers(), now=NOW, **kw))


def body(result) -> list[str]:
    lines = result.text.strip().split("\n")
    return lines


GOOD3 = (b"UNB+UNOC:3+SENDER:14+RECEIVER:14+240101:1200+REF1++++1'"
         b"UNH+M1+ORDERS:D:96A:UN:EAN008'BGM+220+PO1+9'UNT+3+M1'"
         b"UNH+M2+ORDERS:D:96A:UN:EAN008'BGM+220+PO2+9'UNT+3+M2'UNZ+2+REF1'")


def test_accepted_syntax3_interchange() -> None:
    (r,) = contrl(GOOD3)
    assert (r.kind, r.status, r.interchange_reference, r.reference) == ("CONTRL", "accepted",
                                                                       "REF1", "1")
    assert r.ack_requested and r.sender_id == "SENDER"
    assert body(r) == [
        "UNB+UNOC:3+RECEIVER:14+SENDER:14+240304:0506+1'",
        "UNH+1+CONTRL:D:3:UN'",
        "UCI+REF1+SENDER:14+RECEIVER:14+7'",
        "UCM+M1+ORDERS:D:96A:UN:EAN008+7'",
        "UCM+M2+ORDERS:D:96A:UN:EAN008+7'",
        "UNT+5+1'",
        "UNZ+1+1'",
    ]


def test_report_accepted_false_and_receipt_only() -> None:
    (r,) = contrl(GOOD3, report_accepted=False)
    assert [line[:3] for line in body(r)] == ["UNB", "UNH", "UCI", "UNT", "UNZ"]
    (r,) = contrl(GOOD3, receipt_only=True)
    assert r.status == "received" and "UCI+REF1+SENDER:14+RECEIVER:14+8'" in body(r)


def test_syntax4_contrl_identifier_and_dates() -> None:
    data = GOOD3.replace(b"UNOC:3", b"UNOC:4").replace(b"240101", b"20240101")
    (r,) = contrl(data)
    lines = body(r)
    assert lines[0] == "UNB+UNOC:4+RECEIVER:14+SENDER:14+20240304:0506+1'"
    assert lines[1] == "UNH+1+CONTRL:4:1:UN'"


def test_interchange_level_rejection_names_segment_and_element() -> None:
    (r,) = contrl(corpus("pydifact/wikipedia_de.edi"))
    assert r.status == "rejected"
    assert "UCI+1+Senderkennung+Empfaengerkennung+4+28+UNZ+3'" in body(r)
    assert not any(line.startswith("UCM") for line in body(r))


def test_message_level_rejection_from_unt_count() -> None:
    (r,) = contrl(corpus("oca-edi/test_orders_-_no_PRI_segments.txt"))
    assert r.status == "rejected"
    assert "UCM+000011956901+ORDERS:D:96A:UN:EAN008+4+29+UNT+2'" in body(r)
    assert "UCI+2+ENI-CH:14+2256:14+7'" in body(r)


def _inject(*found: Finding):
    """Insert validator-style findings after the segment at their position."""
    def run(events):
        out = []
        first = True
        for e in events:
            out.append(e)
            if isinstance(e, Segment) and first:
                out.extend(f for f in found if f.position.segment_position == e.position)
            first = first and not (isinstance(e, Finding) or type(e).__name__ == "MessageEnd")
        return out
    return run


def test_ucs_and_ucd_from_message_findings() -> None:
    found = [
        Finding("UCD0085", "12", "bad code", Position(segment_tag="BGM", segment_position=2,
                                                       element_position=1, component_position=1)),
        Finding("UCD0085", "39", "too long", Position(segment_tag="BGM", segment_position=2,
                                                       element_position=2)),
        Finding("UCS0085", "15", "unexpected", Position(segment_tag="XXX", segment_position=2)),
        Finding("UCD0085", "12", "warn only", Position(segment_position=2, element_position=3),
                severity="warning"),
    ]
    (r,) = contrl(GOOD3, extra=_inject(*found))
    assert r.status == "partially_accepted"
    lines = body(r)
    i = lines.index("UCM+M1+ORDERS:D:96A:UN:EAN008+4'")
    assert lines[i + 1:i + 5] == ["UCS+2+15'", "UCD+12+2:1'", "UCD+39+3'",
                                  "UCM+M2+ORDERS:D:96A:UN:EAN008+7'"]
    ack = read_contrl(s for s in iter_events(r.encode()) if isinstance(s, Segment))
    assert ack.status == "partially_accepted"
    m1 = ack.transactions[0]
    assert (m1.control_number, m1.status) == ("M1", "rejected")
    assert [(e.code, e.segment_position, e.element_position, e.component_position, e.level)
            for e in m1.errors] == [("15", 2, None, None, "segment"), ("12", 2, 1, 1, "element"),
                                    ("39", 2, 2, None, "element")]


def test_syntax4_ucd_repetition_occurrence() -> None:
    data = GOOD3.replace(b"UNOC:3", b"UNOC:4").replace(b"240101", b"20240101")
    f = Finding("UCD0085", "35", "rep", Position(segment_position=2, element_position=1,
                                                  repetition=2))
    (r,) = contrl(data, extra=_inject(f))
    assert "UCD+35+2::2'" in body(r)


def test_groups_get_ucf_segments() -> None:
    (r,) = contrl(corpus("edi4r/groups.edi"))
    lines = body(r)
    assert lines[0] == "UNA:+.? '"  # level B default would be IS separators: answer in kind
    ucf = [line for line in lines if line.startswith("UCF")]
    assert ucf == ["UCF+1+sender-g+recipient-g+7'", "UCF+5+sender+recipient+7'",
                   "UCF+3+sender+recipient+7'"]
    assert r.status == "accepted"


def test_group_rejection() -> None:
    grp = (b"UNB+UNOC:3+S+R+240101:1200+REF'UNG+ORDERS+S+R+240101:1200+G1+UN+D:96A'"
           b"UNH+1+ORDERS:D:96A:UN'UNT+2+1'UNE+5+G1'UNZ+1+REF'")
    (r,) = contrl(grp)
    assert "UCF+G1+S+R+4+29+UNE+2'" in body(r)
    assert r.status == "rejected"
    assert not any(line.startswith("UCM") for line in body(r))


def test_example_order_error_rejection_is_precise() -> None:
    """The unreleased ':' gives IMD C273 seven components: with the message validator the
    CONTRL names that segment and element (code 16); without it the reader already reports
    the improper release '?*' as a warning at the right place."""
    data = corpus("php-edifact/example_order_error.edi")
    validator = pytest.importorskip("translators.edifact.validator")
    events = list(validator.validate_messages(validate_envelope(iter_events(data))))
    imd = [e for e in events if isinstance(e, Segment) and "Konzentrat ohne" in str(e.elements)][0]
    bad = [e for e in events if isinstance(e, Finding) and e.severity == "error"
           and e.position.segment_position == imd.position]
    assert ("UCD0085", "16", 3) in [(f.field, f.code, f.position.element_position) for f in bad]
    (r,) = acknowledge(events, counter=MemoryControlNumbers(), now=NOW)
    assert r.status == "rejected"
    lines = body(r)
    i = lines.index(f"UCS+{imd.position}'")
    assert "UCD+16+4:7'" in lines[i + 1:i + 4]  # 7th component of element 3 (0098 = 3 + 1)
    ok = list(validator.validate_messages(validate_envelope(iter_events(
        corpus("php-edifact/example_order_ok.edi")))))
    assert not [e for e in ok if isinstance(e, Finding) and e.code == "16"]


def test_bare_file_has_no_addressable_contrl() -> None:
    (r,) = contrl(corpus("edifact-rs/d96a_orders_conforming.edi"))
    assert r.text is None and r.status == "accepted" and r.encode() == b""


def test_contrl_is_not_acknowledged() -> None:
    (r,) = contrl(GOOD3)
    assert contrl(r.encode()) == []


def test_several_interchanges_get_one_contrl_each() -> None:
    results = contrl(corpus("bots-plugins/0T0000000004.edi"))
    assert [(r.interchange_reference, r.reference, r.status) for r in results] == [
        ("T0000000004-1", "1", "accepted"), ("T0000000004-2", "2", "accepted")]


def test_generated_contrl_reads_back_and_round_trips() -> None:
    for name in ("edinet/edifact.ORDRSP.edi", "oca-edi/test_orders_-_no_PRI_segments.txt",
                 "edi4r/groups.edi"):
        for r in contrl(corpus(name)):
            events = list(validate_envelope(iter_events(r.encode())))
            assert not [e for e in events if isinstance(e, Finding)]
            start = [e for e in events if isinstance(e, MessageStart)][0]
            ack = read_contrl([e for e in events if isinstance(e, Segment)], start)
            assert isinstance(ack, FunctionalAck) and ack.ack_type == "CONTRL"
            assert ack.interchange_control_number == r.interchange_reference
            assert ack.status == r.status


def test_read_contrl_from_lists_and_statuses() -> None:
    ack = read_contrl([["UCI", "X1", ["S"], ["R"], "4", "26", "UNB", ["6"]]])
    assert (ack.status, ack.codes, ack.interchange_control_number) == ("rejected", ["26"], "X1")
    ack = read_contrl([["UCI", "X1", ["S"], ["R"], "8"]])
    assert ack.status == "received"
    ack = read_contrl([["UCI", "X1", "S", "R", "7"],
                       ["UCM", "5", ["ORDERS", "D", "96A", "UN"], "4", "28", "UNT", ["3"]]])
    t = ack.transactions[0]
    assert (ack.status, t.set_id, t.codes) == ("rejected", "ORDERS", ["28"])
    assert (t.errors[0].segment_tag, t.errors[0].element_position) == ("UNT", 2)
    assert (ack.included, ack.accepted) == (1, 0)
    with pytest.raises(EDIError):
        read_contrl([["UCM", "5"]])


def test_builder_feed_returns_previous_result_on_next_interchange() -> None:
    b = ContrlBuilder(counter=MemoryControlNumbers(), now=NOW)
    events = list(validate_envelope(iter_events(corpus("bots-plugins/0T0000000004.edi"))))
    results = [r for r in (b.feed(e) for e in events) if r is not None]
    assert [r.interchange_reference for r in results] == ["T0000000004-1"]
    last = b.close()
    assert last is not None and last.interchange_reference == "T0000000004-2"
    assert b.close() is None


def test_partner_una_character_outside_the_declared_set_still_gets_a_contrl() -> None:
    """A UNOA interchange whose UNA gives a decimal mark outside UNOA (a byte 0xC3, found by
    the long fuzz test): the CONTRL cannot be UNOA with the partner's characters, so it is
    written in UNOC, and it can be encoded and read back."""
    data = (b"UNA:+\xc3? 'UNB+UNOA:3+SENDER:1+RECEIVER:1+261204:1200+77'"
            b"UNH+1+ORDERS:D:96A:UN'BGM+220+PO1+9'UNT+3+1'UNZ+1+77'")
    (r,) = contrl(data)
    assert r.text is not None and r.encoding == "latin-1"
    assert "UNB+UNOC:3" in r.text
    events = list(iter_events(r.encode()))
    assert any(isinstance(e, Segment) and e.tag == "UCI" for e in events)
