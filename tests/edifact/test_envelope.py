"""translators.edifact.envelope: UNB/UNZ, UNG/UNE, UNH/UNT checks with CONTRL codes."""
from __future__ import annotations

import os
import pathlib

import pytest

from translators.edifact.envelope import (
    CODES_0085_V3, CODES_0085_V4, LEGACY_0085, MemoryReferenceRegistry, code_table, describe_0085,
    validate_envelope,
)
from translators.edifact.events import InterchangeStart, MessageEnd, Segment
from translators.edifact.reader import iter_events
from translators.findings import ERROR, WARNING, Finding

ROOT = pathlib.Path(__file__).resolve().parents[2]
CORPUS = pathlib.Path(os.environ.get("EDI_SHARED_DIR", ROOT.parent / "shared")) / "corpus"


def check(data: bytes, registry=None) -> list[Finding]:
    return [e for e in validate_envelope(iter_events(data), registry) if isinstance(e, Finding)]


def errors(data: bytes, registry=None) -> list[tuple]:
    return [(f.field, f.code, f.position.segment_tag, f.position.element_position,
             f.position.component_position)
            for f in check(data, registry) if f.severity == ERROR]


def corpus(name: str) -> bytes:
    return (CORPUS / "edifact" / name).read_bytes()


def ic(unb: str = "UNB+UNOC:3+S:14+R:14+240101:1200+REF", body: str | None = None,
       unz: str = "UNZ+1+REF") -> bytes:
    if body is None:
        body = "UNH+1+ORDERS:D:96A:UN'BGM+220+X'UNT+3+1'"
    return f"{unb}'{body}{unz}'".encode()


def test_good_interchange_passes_through_unchanged() -> None:
    data = ic()
    events = list(iter_events(data))
    assert list(validate_envelope(iter(events))) == events


@pytest.mark.parametrize("name,expected", [
    ("pydifact/wikipedia_de.edi", [("UCI0085", "28", "UNZ", 2, None)]),
    ("oca-edi/test_orders_-_no_PRI_segments.txt", [("UCM0085", "29", "UNT", 1, None)]),
    ("staedi/orders-with-group.edi", [("UCM0085", "29", "UNT", 1, None)]),
    ("php-edifact/example_release_character.edi", [("UCM0085", "29", "UNT", 1, None)]),
    ("edinet/edifact.ORDRSP.edi", [("UCM0085", "29", "UNT", 1, None),
                                   ("UCM0085", "28", "UNT", 2, None),
                                   ("UCI0085", "28", "UNZ", 2, None)]),
    ("pydifact/order.edi", [("UCI0085", "12", "UNB", 4, 1), ("UCI0085", "13", "UNZ", None, None)]),
    ("edireader/tiny-UNOE.edi", [("UCI0085", "12", "UNB", 9, None),
                                 ("UCI0085", "12", "UNB", 11, None)]),
    ("edifact-rs/d96a_orders_malformed.edi", [("UCI0085", "33", "BGM", None, None),
                                              ("UCM0085", "29", "UNT", 1, None)]),
    ("bots-plugins/0T0000000004.edi", []),
    ("bots-plugins/desadv1.edi", []),
    ("edi4r/groups.edi", []),
    ("edi4r/in2.edi", []),
    ("edifact-rs/d01b_orders_conforming.edi", []),
    ("php-edifact/D96ADESADV.edi", []),
])
def test_corpus_envelope_defects(name: str, expected: list) -> None:
    assert errors(corpus(name)) == expected


def test_bare_file_is_only_a_warning() -> None:
    found = check(corpus("edifact-rs/d96a_orders_conforming.edi"))
    assert [(f.severity, f.field, f.code) for f in found] == [(WARNING, "UCI0085", "13")]


def test_count_finding_positions_and_values() -> None:
    found = [f for f in check(corpus("edinet/edifact.ORDRSP.edi")) if f.code == "29"][0]
    assert found.position.transaction == "9IMX20YSP0009"
    assert found.position.segment_position == 31
    assert found.position.bad_value == "17"
    assert found.position.interchange == "DAREFNR0000001"


def test_unz_count_and_reference() -> None:
    assert errors(ic(unz="UNZ+2+REF")) == [("UCI0085", "29", "UNZ", 1, None)]
    assert errors(ic(unz="UNZ+1+OTHER")) == [("UCI0085", "28", "UNZ", 2, None)]
    assert errors(ic(unz="UNZ")) == [("UCI0085", "13", "UNZ", 1, None),
                                     ("UCI0085", "13", "UNZ", 2, None)]


def test_groups_counts_references_and_missing_une() -> None:
    grp = ("UNG+ORDERS+S+R+240101:1200+G1+UN+D:96A'UNH+1+ORDERS:D:96A:UN'UNT+2+1'"
           "UNE+2+G2'")
    assert errors(ic(body=grp)) == [("UCF0085", "29", "UNE", 1, None),
                                    ("UCF0085", "28", "UNE", 2, None)]
    missing = "UNG+ORDERS+S+R+240101:1200+G1+UN+D:96A'UNH+1+ORDERS:D:96A:UN'UNT+2+1'"
    assert errors(ic(body=missing)) == [("UCF0085", "13", "UNE", None, None)]
    mixed = ("UNH+1+ORDERS:D:96A:UN'UNT+2+1'UNG+ORDERS+S+R+240101:1200+G1+UN+D:96A'"
             "UNH+2+ORDERS:D:96A:UN'UNT+2+2'UNE+1+G1'")
    assert ("UCI0085", "30", "UNZ", None, None) in errors(ic(body=mixed))


def test_message_trailer_checks() -> None:
    assert errors(ic(body="UNH+1+ORDERS:D:96A:UN'BGM+220'UNT+9+1'")) == [
        ("UCM0085", "29", "UNT", 1, None)]
    assert errors(ic(body="UNH+1+ORDERS:D:96A:UN'BGM+220'UNT+3+2'")) == [
        ("UCM0085", "28", "UNT", 2, None)]
    assert errors(ic(body="UNH+1+ORDERS:D:96A:UN'BGM+220'")) == [
        ("UCM0085", "13", "UNT", None, None)]
    assert errors(ic(body="UNH++ORDERS:D'UNT+2'")) == [
        ("UCM0085", "13", "UNH", 1, None), ("UCM0085", "13", "UNH", 2, 3),
        ("UCM0085", "13", "UNH", 2, 4), ("UCM0085", "13", "UNT", 2, None)]
    dup = "UNH+1+ORDERS:D:96A:UN'UNT+2+1'UNH+1+ORDERS:D:96A:UN'UNT+2+1'"
    assert errors(ic(body=dup, unz="UNZ+2+REF")) == [("UCM0085", "26", "UNH", 1, None)]


def test_missing_unt_before_next_unh_and_missing_unz_before_next_unb() -> None:
    data = ic(body="UNH+1+ORDERS:D:96A:UN'BGM+220'UNH+2+ORDERS:D:96A:UN'UNT+2+2'",
              unz="UNZ+2+REF'UNB+UNOC:3+S+R+240101:1200+REF2'UNH+3+ORDERS:D:96A:UN'UNT+2+3")
    assert errors(data) == [("UCM0085", "13", "UNT", None, None),
                            ("UCI0085", "13", "UNZ", None, None)]


@pytest.mark.parametrize("unb,expected", [
    ("UNB+UNOC:4+S+R+240101:1200+REF", [("UCI0085", "12", "UNB", 4, 1)]),
    ("UNB+UNOC:4+S+R+20240101:1200+REF", []),
    ("UNB+UNOC:3+S+R+20240101:1200+REF", [("UCI0085", "12", "UNB", 4, 1)]),
    ("UNB+UNOC:3+S+R+240231:1200+REF", [("UCI0085", "12", "UNB", 4, 1)]),
    ("UNB+UNOC:3+S+R+240101:2460+REF", [("UCI0085", "12", "UNB", 4, 2)]),
    ("UNB+UNOC:3+S+R+240101:1200+REF++++++1", []),
    ("UNB+UNOC:3+S+R+240101:1200+REF++++++2", [("UCI0085", "12", "UNB", 11, None)]),
    ("UNB+UNOC:3+S+R+240101:1200+REF++++1", []),
    ("UNB+UNOC:3+S+R+240101:1200+REF++++x", [("UCI0085", "12", "UNB", 9, None)]),
    ("UNB+XXXX:3+S+R+240101:1200+REF", [("UCI0085", "12", "UNB", 1, 1)]),
    ("UNB+UNOX:3+S+R+240101:1200+REF", [("UCI0085", "2", "UNB", 1, 1)]),
    ("UNB+UNOC:5+S+R+240101:1200+REF", [("UCI0085", "2", "UNB", 1, 2)]),
    ("UNB+UNOC:3++R+240101:1200+REF", [("UCI0085", "13", "UNB", 2, 1)]),
])
def test_unb_checks(unb: str, expected: list) -> None:
    assert errors(ic(unb=unb)) == expected


def test_ack_request_zero_is_a_warning() -> None:
    found = check(ic(unb="UNB+UNOC:3+S+R+240101:1200+REF++++0"))
    assert [(f.severity, f.code) for f in found] == [(WARNING, "12")]


def test_duplicate_references_within_a_file_and_across_files() -> None:
    one = ic()
    assert errors(one + one)[-1] == ("UCI0085", "26", "UNB", 5, None)
    registry = MemoryReferenceRegistry()
    assert errors(one, registry) == []
    assert errors(one, registry) == [("UCI0085", "26", "UNB", 5, None)]
    other_sender = ic(unb="UNB+UNOC:3+T:14+R:14+240101:1200+REF")
    assert errors(other_sender, registry) == []


def test_code_tables() -> None:
    assert code_table("4") is CODES_0085_V4 and code_table("3") is CODES_0085_V3
    assert CODES_0085_V4["29"] == "Control count does not match"
    assert CODES_0085_V3["35"] == "Too many segment repetitions"
    assert "45" in CODES_0085_V4 and "45" not in CODES_0085_V3
    assert describe_0085("5", "3") == LEGACY_0085["5"]
    for code in ("12", "13", "14", "15", "16", "26", "28", "29", "35", "36", "37", "39", "40"):
        assert code in CODES_0085_V3 and code in CODES_0085_V4


def test_every_event_is_kept_in_order() -> None:
    data = corpus("edinet/edifact.ORDRSP.edi")
    raw = list(iter_events(data))
    out = [e for e in validate_envelope(iter(raw)) if not isinstance(e, Finding)
           or e in raw]
    assert out == raw
    merged = list(validate_envelope(iter(raw)))
    end = [i for i, e in enumerate(merged) if isinstance(e, MessageEnd)][0]
    assert isinstance(merged[end + 1], Finding) and merged[end + 1].code == "29"
    assert isinstance(merged[0], InterchangeStart) and isinstance(merged[3], Segment)
