"""X12 schemas as data: loading, compiling, version resolution, element checks."""
from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from translators.x12 import schema as S

ALL_SETS = [(v, s) for v in ("004010", "005010") for s in sorted(S.supported_sets(v))]


def test_index_lists_the_expected_sets():
    assert S.supported_versions() == {"004010", "005010"}
    assert S.supported_sets("004010") == {"850", "855", "856", "997"}
    assert S.supported_sets("005010") == {"850", "855", "856", "997", "999"}
    assert S.load("004010", "999") is None
    assert S.load("004010", "810") is None


@pytest.mark.parametrize("version,set_id", ALL_SETS)
def test_every_schema_loads_and_compiles(version, set_id):
    sc = S.load(version, set_id)
    assert sc is not None and sc is S.load(version, set_id)  # cached
    assert sc.nodes[0].tag == "ST" and sc.nodes[-1].tag == "SE"
    assert len(sc.transitions) == len(sc.nodes)
    assert "SE" in sc.transitions[0] or sc.end_missing[0]
    # every loop starts with a segment and its range covers its descendants
    for lp in sc.loops:
        assert sc.nodes[lp.first].loop_first and sc.nodes[lp.first].tag == lp.loop_id
        assert all(lp.index in sc.nodes[i].loops for i in range(lp.first, lp.last + 1))
    # every segment definition compiles to a fast regex for every element count
    checkers = sc.fast_checkers("*", ":", "^" if version == "005010" else None)
    for node, slots in zip(sc.nodes, checkers):
        assert len(slots) == len(node.segment.elements) + 2
    for sd in {node.segment for node in sc.nodes}:
        for count in {0, 1, len(sd.elements) // 2, len(sd.elements)}:
            re.compile(S.segment_regex(sd, count, "*", ":", "^"))


def test_structure_facts_from_the_standard():
    sc = S.load("004010", "856")
    hl = next(lp for lp in sc.loops if lp.loop_id == "HL")
    assert hl.repeat == 200000 and hl.usage == "M"
    # segments directly in the HL loop are optional (S/O/T/P/I levels validate in any order);
    # nested loops (LM/LQ, LH1, CLD, V1) may hold segments the standard makes mandatory in them
    assert all(sc.nodes[i].usage == "O" for i in range(hl.first + 1, hl.last + 1)
               if sc.nodes[i].loops[-1] == hl.index)
    lq = next(n for n in sc.nodes if n.tag == "LQ")
    assert lq.usage == "M" and lq.loop_id == "LM"
    po = S.load("004010", "850")
    po1 = next(lp for lp in po.loops if lp.loop_id == "PO1")
    assert po1.repeat == 100000 and po1.usage == "M"
    dtm = next(n for n in po.nodes if n.tag == "DTM" and not n.loops)
    assert dtm.max_use == 10
    fa = S.load("005010", "999")
    assert [lp.loop_id for lp in fa.loops] == ["AK2", "IK3", "IK4"]
    ctx = next(n for n in fa.nodes if n.tag == "CTX")
    assert ctx.segment.elements[0].repeat == 10 and ctx.segment.elements[0].composite_ref == "C998"


def test_segment_definitions_carry_types_codes_and_notes():
    po = S.load("004010", "850")
    beg = po.nodes[1].segment
    assert beg.tag == "BEG"
    assert [e.usage for e in beg.elements[:5]] == ["M", "M", "M", "O", "M"]
    assert beg.elements[2].simple.ref == "324" and beg.elements[2].simple.max == 22
    assert beg.elements[4].simple.type == "DT"
    assert "00" in beg.elements[0].simple.codes
    po1 = next(n for n in po.nodes if n.tag == "PO1").segment
    assert [n.text for n in po1.notes][:3] == ["C0302", "C0504", "P0607"]
    assert po1.elements[1].simple.type == "R"
    ref = next(n for n in po.nodes if n.tag == "REF").segment
    assert ref.elements[3].composite_ref == "C040" and [c.usage for c in ref.elements[3].components][:3] == ["M", "M", "X"]
    assert S.dictionary("005010").elements["127"] == ("AN", 1, 50)
    assert S.dictionary("004010").elements["127"] == ("AN", 1, 30)
    ak1 = S.load("005010", "997").nodes[1].segment
    assert ak1.elements[0].simple.codes_partial is False and "PO" in ak1.elements[0].simple.codes


@pytest.mark.parametrize("given_version,base", [
    ("004010", "004010"), ("004010VICS", "004010"), ("004010X357", "004010"),
    ("005010X231A1", "005010"), ("005010", "005010"), ("004060", None), ("003010", None), ("", None),
    ("00401", None), ("BAD", None),
])
def test_version_resolution(given_version, base):
    assert S.base_version(given_version) == base


@pytest.mark.parametrize("text,kind,positions", [
    ("P0304", "P", (3, 4)), ("R0203", "R", (2, 3)), ("C0405", "C", (4, 5)),
    ("E0102", "E", (1, 2)), ("L010203", "L", (1, 2, 3)),
])
def test_syntax_notes_parse(text, kind, positions):
    n = S.parse_note(text)
    assert (n.kind, n.positions, n.text) == (kind, positions, text)


def test_bad_syntax_note_rejected():
    with pytest.raises(ValueError):
        S.parse_note("Q0102")


def _sd(t: str, mn: int, mx: int, codes=None) -> S.SimpleDef:
    return S.SimpleDef("1", t, mn, mx, "O", frozenset(codes) if codes else None)


@pytest.mark.parametrize("t,mn,mx,value,codes", [
    ("N0", 1, 3, "123", []), ("N0", 1, 3, "-123", []), ("N0", 1, 3, "1234", ["5"]), ("N0", 2, 3, "1", ["4"]),
    ("N0", 1, 3, "1.5", ["6"]), ("N2", 1, 5, "12345", []), ("R", 1, 4, "-12.34", []), ("R", 1, 4, "123.45", ["5"]),
    ("R", 1, 4, "1e5", ["6"]), ("R", 1, 4, ".", ["6"]), ("DT", 8, 8, "20240229", []), ("DT", 8, 8, "20230229", ["8"]),
    ("DT", 6, 6, "240131", []), ("DT", 8, 8, "2024013", ["4"]), ("DT", 8, 8, "BAD_DATE", ["8"]),
    ("TM", 4, 8, "2359", []), ("TM", 4, 8, "235959", []), ("TM", 4, 8, "23595912", []), ("TM", 4, 8, "2460", ["9"]),
    ("TM", 4, 8, "12", ["4"]), ("TM", 4, 4, "123456", ["5"]), ("AN", 2, 3, "A", ["4"]), ("AN", 2, 3, "ABCD", ["5"]),
    ("AN", 1, 9, "A\x01", ["6"]), ("ID", 2, 2, "XX", []),
])
def test_check_value_types(t, mn, mx, value, codes):
    assert [c for c, _, _ in S.check_value(_sd(t, mn, mx), value)] == codes


def test_check_value_code_lists():
    closed = S.SimpleDef("715", "ID", 1, 1, "M", frozenset("AR"), False)
    partial = S.SimpleDef("355", "ID", 2, 2, "O", frozenset(["EA"]), True)
    assert S.check_value(closed, "A") == []
    assert S.check_value(closed, "Q")[0][:1] == ("7",) and S.check_value(closed, "Q")[0][2] is False
    assert S.check_value(partial, "ZZ")[0][0] == "7" and S.check_value(partial, "ZZ")[0][2] is True


# ---------------------------------------------------------------------------
# The fast regex never accepts a segment the detailed checks reject.

_SEGS = [(v, s, n.segment) for v, s in ALL_SETS for n in S.load(v, s).nodes]
_UNIQUE = list({(v, sd.tag): (v, sd) for v, _, sd in _SEGS}.values())
_values = st.one_of(
    st.just(""), st.sampled_from(["00", "SA", "EA", "BP", "A", "1", "12", "-3", "2.5", ".", "20240131",
                                  "20230230", "2359", "2460", "X^Y", "A:B", "AC", "IA", "HC", "PO", "S", "F"]),
    st.text(alphabet="AZ09.-:^ ", max_size=6),
)


@settings(max_examples=200, deadline=None)
@given(st.sampled_from(_UNIQUE), st.lists(_values, max_size=14))
def test_fast_regex_agrees_with_detailed_checks(entry, values):
    version, sd = entry
    rep = "^" if version == "005010" else None
    elements = [sd.tag] + values
    fast = re.compile(S.segment_regex(sd, len(values), "*", ":", rep), re.DOTALL).fullmatch("*".join(elements))
    problems = S.check_segment(sd, elements, ":", rep)
    if fast is not None:
        assert problems == [], (elements, problems)


@pytest.mark.parametrize("version,tag,text", [
    ("004010", "BEG", "BEG*00*SA*PO123**20240128"),
    ("004010", "PO1", "PO1*1*8*EA*2.01**BP*BR-001*VP*GX-13*UP*012345600001"),
    ("004010", "PID", "PID*F****Bracket, zinc plated"),
    ("004010", "REF", "REF*PO*12345"),
    ("004010", "N1", "N1*ST*ACME*92*1234"),
    ("004010", "DTM", "DTM*002*20240128*1200"),
    ("005010", "CTX", "CTX*SITUATIONAL TRIGGER^X:2*CLM*43**5:3*1325"),
    ("005010", "AK4", "AK4*1:2*66*7*MI"),
])
def test_fast_regex_accepts_valid_segments(version, tag, text):
    sets = [s for v, s in ALL_SETS if v == version]
    sd = next(n.segment for s in sets for n in S.load(version, s).nodes if n.tag == tag)
    elements = text.split("*")
    rep = "^" if version == "005010" else None
    assert S.check_segment(sd, elements, ":", rep) == []
    assert re.compile(S.segment_regex(sd, len(elements) - 1, "*", ":", rep), re.DOTALL).fullmatch(text)
