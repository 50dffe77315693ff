"""EDIFACT schema files, their generator and the compiled tables (translators.edifact.schema)."""
from __future__ import annotations

import importlib.util
import os
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from translators.edifact import schema as schema_module
from translators.edifact.schema import (
    ENTER, NEXT, REGROUP, REPEAT, SCHEMA_DIR, CompositeSpec, ElementSpec, load_directory,
    load_schema, supported,
)

ROOT = Path(__file__).resolve().parents[2]
SOURCE = Path(os.environ.get("EDI_SHARED_DIR", ROOT.parent / "shared")) / "directories" / "edifact"

ALL = [
    ("ORDERS", "D", "96A"), ("ORDRSP", "D", "96A"), ("DESADV", "D", "96A"),
    ("ORDERS", "D", "01B"), ("ORDRSP", "D", "01B"), ("DESADV", "D", "01B"),
    ("CONTRL", "D", "3"), ("CONTRL", "4", "1"),
]


def test_supported_list() -> None:
    assert sorted(supported()) == sorted(ALL)


@pytest.mark.parametrize("key", ALL, ids=lambda k: ":".join(k))
def test_every_schema_compiles(key: tuple[str, str, str]) -> None:
    schema = load_schema(*key)
    assert schema is not None and schema.message_type == key[0]
    assert schema.end_tag == "UNT"
    assert schema.states[0] == (0,)  # UNH
    # every tag used by the message has a segment definition
    assert schema.tags <= set(schema.segments)
    # every reachable state can close the message with UNT
    seen: dict[int, dict] = {id(schema.start): schema.start}
    todo = [schema.start]
    while todo:
        for tr in todo.pop().values():
            if id(tr.row) not in seen:
                seen[id(tr.row)] = tr.row
                todo.append(tr.row)
    assert len(seen) == len(schema.states)
    assert all("UNT" in row or row is schema.start["UNT"].row for row in seen.values())
    assert load_schema(*key) is schema  # cached


def test_unknown_message_is_none() -> None:
    assert load_schema("ORDERS", "D", "96B") is None
    assert load_schema("INVOIC", "D", "96A") is None
    assert load_schema("ORDERS", "0", "96A") is None


def test_structure_facts_orders_d96a() -> None:
    s = load_schema("ORDERS", "D", "96A")
    bgm = s.start["BGM"]
    assert (bgm.kind, bgm.missing, bgm.group) == (NEXT, (), None)
    # DTM directly after UNH skips the mandatory BGM
    assert s.start["DTM"].missing == (("BGM", None),)
    # NAD enters SG2; NAD again is a new SG2 repetition (99 allowed)
    nad = s.start["BGM"].row["DTM"].row["NAD"]
    assert (nad.kind, nad.group, nad.limit) == (ENTER, "SG2", 99)
    again = nad.row["NAD"]
    assert (again.kind, again.level, again.limit, again.group) == (REGROUP, 0, 99, "SG2")
    # header DTM repeats up to 35
    dtm = s.start["BGM"].row["DTM"]
    assert (dtm.row["DTM"].kind, dtm.row["DTM"].limit) == (REPEAT, 35)
    # LIN group: 200000 repetitions, UNS mandatory after it
    lin = nad.row["LIN"]
    assert (lin.kind, lin.group, lin.limit) == (ENTER, "SG25", 200000)
    assert lin.row["UNS"].missing == ()
    assert lin.row["CNT"].missing == (("UNS", None),)


def test_structure_facts_desadv_and_contrl() -> None:
    d = load_schema("DESADV", "D", "01B")
    cps = d.start["BGM"].row["CPS"]
    assert (cps.group, cps.limit) == ("SG10", 9999)
    lin = cps.row["LIN"]
    assert (lin.kind, lin.group, lin.level) == (ENTER, "SG17", 1)
    c = load_schema("CONTRL", "4", "1")
    uci = c.start["UCI"]
    assert uci.row["UCM"].group == "SG1"
    assert uci.row["UCF"].group == "SG3"
    assert c.start["UCM"].missing == (("UCI", None),)


def test_segment_facts() -> None:
    d96a = load_directory("D96A")
    dtm = d96a["DTM"].elements[0]
    assert isinstance(dtm, CompositeSpec) and dtm.ident == "C507" and dtm.mandatory
    q, value, fmt = dtm.components
    assert (q.ident, q.kind, q.max_len, q.mandatory) == ("2005", "an", 3, True)
    assert "137" in q.codes and "2" in q.codes
    assert value.pictures["102"] == "CCYYMMDD" and value.pictures["203"] == "CCYYMMDDHHMM"
    assert value.picture_from == 2
    assert "102" in fmt.codes
    qty = d96a["QTY"].elements[0].components[1]
    assert (qty.ident, qty.kind, qty.max_len) == ("6060", "n", 15)
    uns = d96a["UNS"].elements[0]
    assert (uns.kind, uns.min_len, uns.max_len, uns.codes) == ("a", 1, 1, frozenset({"D", "S"}))
    bgm = d96a["BGM"].elements[0].components[0]
    assert {"220", "231", "351"} <= bgm.codes
    assert "7065" not in {c.ident for c in d96a["PAC"].elements[2].components if c.codes}


def test_d01b_source_gaps_are_restored() -> None:
    d01b = load_directory("D01B")
    nad_c819 = d01b["NAD"].elements[6]
    assert [c.ident for c in nad_c819.components] == ["3229", "1131", "3055", "3228"]
    assert [c.ident for c in d01b["MEA"].elements[1].components] == ["6313", "6321", "6155", "6154"]
    assert [c.ident for c in d01b["LIN"].elements[3].components] == ["5495", "1082"]
    un_number = d01b["DGS"].elements[2].components[0]
    assert (un_number.ident, un_number.kind, un_number.min_len, un_number.max_len) == ("7124", "n", 4, 4)
    orders = (SCHEMA_DIR / "D01B" / "ORDERS.xml").read_text()
    assert '<group id="SG28" mandatory="false" repeat="200000">' in orders


def test_contrl_segments() -> None:
    s3 = load_directory("S3")
    s4 = load_directory("S4")
    assert set(s3) >= {"UCI", "UCM", "UCS", "UCD", "UCF"}
    ucs = s4["UCS"].elements
    assert (ucs[0].ident, ucs[0].kind, ucs[0].mandatory) == ("0096", "n", True)
    assert "13" in ucs[1].codes
    assert "1" in s3["UCS"].elements[1].codes  # syntax 3 keeps the old list (1-11)
    assert "1" not in ucs[1].codes


@pytest.mark.skipif(not SOURCE.is_dir(), reason="directory source not available")
def test_generator_reproduces_committed_files(tmp_path: Path) -> None:
    spec = importlib.util.spec_from_file_location("build_edifact_schemas",
                                                  ROOT / "tools" / "build_edifact_schemas.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    written = module.build(SOURCE, tmp_path)
    assert len(written) == 17
    for path in written:
        rel = path.relative_to(tmp_path)
        assert path.read_bytes() == (SCHEMA_DIR / rel).read_bytes(), rel
    committed = {p.relative_to(SCHEMA_DIR) for p in SCHEMA_DIR.rglob("*.xml")}
    assert committed == {p.relative_to(tmp_path) for p in written}


# ------------------------------------------------- fast checker == slow checker

TAGS = sorted(load_directory("D96A"))
VALUE = st.text("0123456789ABZ.,- \u0663", max_size=8) | st.sampled_from(
    ["", "220", "137", "102", "20260517", "21", "9", "EN", "S", "12.5", "-1,5", "ZZZ", "BY"])


@pytest.mark.slow
@settings(max_examples=2000, deadline=None)
@given(st.sampled_from(["D96A", "D01B", "S3", "S4"]), st.data())
def test_fast_accept_implies_no_errors_long(directory: str, data: st.DataObject) -> None:
    test_fast_accept_implies_no_errors.hypothesis.inner_test(directory, data)


@settings(max_examples=200, deadline=None)
@given(st.sampled_from(["D96A", "D01B", "S3", "S4"]), st.data())
def test_fast_accept_implies_no_errors(directory: str, data: st.DataObject) -> None:
    specs = load_directory(directory)
    tag = data.draw(st.sampled_from(sorted(specs)))
    elements = [[tag]] + data.draw(st.lists(st.lists(VALUE, max_size=6), max_size=10))
    spec = specs[tag]
    errors = spec.errors(elements)
    if spec.fast(elements):
        assert errors == []
    for err in errors:
        assert err.code in {"12", "13", "16", "19", "35", "37", "38", "39", "40"}


def _valid_value(spec: ElementSpec) -> str:
    if spec.codes:
        return sorted(spec.codes)[0]
    if spec.kind == "n":
        return "7" * spec.min_len
    return ("A" if spec.kind == "a" else "X") * spec.min_len


def minimal_valid(tag: str, spec) -> list:
    """A valid element list for a segment definition: every element given, composites with
    their mandatory components and their first one."""
    elements = [[tag]]
    for el in spec.elements:
        if isinstance(el, CompositeSpec):
            elements.append([_valid_value(c) if c.mandatory or k == 0 else ""
                             for k, c in enumerate(el.components)])
        else:
            elements.append([_valid_value(el)])
    return elements


@pytest.mark.parametrize("directory", ["D96A", "D01B", "S3", "S4"])
def test_fast_accepts_minimal_valid_segments(directory: str) -> None:
    for tag, spec in load_directory(directory).items():
        elements = minimal_valid(tag, spec)
        assert spec.errors(elements) == [], tag
        assert spec.fast(elements), tag


@pytest.mark.parametrize("value", ["12.5", "12,5", "-123", "-1.2"])
def test_a_sign_or_decimal_mark_does_not_count_towards_a_minimum_length(value: str) -> None:
    """DGS C234 7124 is n4: '12.5' has 3 digits, so it is too short; the fast checker (C and
    Python) must leave that to the detailed checks instead of counting the mark."""
    spec = load_directory("D96A")["DGS"]
    elements = [["DGS"], [""], [], [value]]
    assert [e.code for e in spec.errors(elements)] == ["40"]
    assert spec.fast(elements) is False
    twin = schema_module._compile_fast("DGS", spec.elements)
    assert twin(elements) is False
    assert spec.fast([["DGS"], [""], [], ["1234"]]) is True
