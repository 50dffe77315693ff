"""The C segment checker (translators/x12/_c_segcheck.c) against the detailed Python checks
(schema.check_segment): it may only say "valid" when they find no problem at all (and, for
ASCII text, exactly then), on every segment definition of every schema and on the corpus;
the validator gives the same findings with it as with the regular-expression fast path."""
from __future__ import annotations

import os

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from translators.x12 import schema, validator
from translators.x12.envelope import validate_envelope
from translators.x12.events import Segment, TransactionStart
from translators.x12.reader import iter_events

from shared_paths import sibling  # noqa: E402
_reader_tests = sibling(__file__, "test_reader")
_corpus_bytes = _reader_tests._corpus_bytes
_mutate = _reader_tests._mutate
_MUTATION = _reader_tests._MUTATION

_c = pytest.importorskip("translators.x12._c_segcheck",
                         reason="C segment checker not built (python setup.py build_ext --inplace)")

DELIMS = {"004010": ("*", ">", None), "005010": ("*", ":", "^")}


def _definitions() -> list[tuple[str, schema.SegmentDef]]:
    out: dict[tuple[str, schema.SegmentDef], None] = {}
    for version, (_, sets) in schema._index().items():
        for set_id in sets:
            sc = schema.load(version, set_id)
            assert sc is not None
            for node in sc.nodes:
                out[(version, node.segment)] = None
    return list(out)


DEFINITIONS = _definitions()


def _candidates(sd: schema.SimpleDef) -> list[str]:
    """Valid, borderline and invalid values for one simple element."""
    lo, hi = sd.min, sd.max
    out = ["", "A" * lo, "A" * hi, "A" * (hi + 1), "A" * max(lo - 1, 0), "a\x01b", "x\x7f", "é" * max(lo, 1)]
    if sd.codes is not None:
        out += sorted(sd.codes)[:6] + ["ZZZZ", " " + sorted(sd.codes)[0]]
    if sd.type.startswith("N"):
        out += ["1" * max(lo, 1), "-" + "1" * hi, "1" * (hi + 1), "1.5", "x", "-", "\u0663" * max(lo, 1), "--1"]
    if sd.type == "R":
        out += ["1.5", ".5", "5.", "-.", ".", "-.5", "1" * hi, "1" * (hi + 1), "1." + "2" * hi, "1.2.3", "1e5",
                "\u0663"]
    if sd.type == "DT":
        out += ["20240229", "20230229", "21000229", "20000229", "000000", "991231", "00000101", "20241301",
                "2024023", "20240431", "240229", "230229", "2024O101"]
    if sd.type == "TM":
        out += ["2359", "2400", "2360", "235960", "2359599", "23595999", "12", "123", "12345", "123456789",
                "0000", "1\u06630"]
    return out


def _value(draw: st.DrawFn, ed: schema.ElementDef, component: str, repetition: str | None) -> str:
    def one() -> str:
        if ed.simple is not None:
            v = draw(st.sampled_from(_candidates(ed.simple)))
            if draw(st.integers(0, 20)) == 0:
                v += component + "1"
            return v
        count = draw(st.integers(1, len(ed.components) + 2))
        comps = [draw(st.sampled_from(_candidates(ed.components[k]))) if k < len(ed.components)
                 else draw(st.sampled_from(["", "X"])) for k in range(count)]
        return component.join(comps)

    reps = draw(st.integers(1, 3)) if repetition and draw(st.integers(0, 6)) == 0 else 1
    return (repetition or "").join(one() for _ in range(reps))


@st.composite
def _segments_of(draw: st.DrawFn, version: str, sd: schema.SegmentDef) -> list[str]:
    _, component, repetition = DELIMS[version]
    count = draw(st.integers(0, len(sd.elements) + 2))
    els = [sd.tag]
    for k in range(count):
        if k < len(sd.elements):
            els.append(_value(draw, sd.elements[k], component, repetition) if draw(st.booleans()) else "")
        else:
            els.append(draw(st.sampled_from(["", "", "X"])))
    return els


@st.composite
def _segments(draw: st.DrawFn) -> tuple[str, schema.SegmentDef, list[str]]:
    version, sd = draw(st.sampled_from(DEFINITIONS))
    return version, sd, draw(_segments_of(version, sd))


def _checker(version: str, sd: schema.SegmentDef):  # type: ignore[no-untyped-def]
    _, component, repetition = DELIMS[version]
    return _c.Checker(schema.checker_spec(sd), component, repetition).check


def _agree(version: str, sd: schema.SegmentDef, els: list[str]) -> None:
    _, component, repetition = DELIMS[version]
    fast = _checker(version, sd)(els)
    problems = schema.check_segment(sd, els, component, repetition)
    if fast:
        assert problems == [], (els, problems)
    if all(v.isascii() for v in els):
        assert fast == (problems == []), (els, problems)


@settings(max_examples=3000, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_segments())
def test_generated_segments_agree_with_detailed_checks(case: tuple) -> None:
    _agree(*case)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_one_checker_over_many_segments_agrees(data: st.DataObject) -> None:
    """A checker remembers the last string each element passed with: the same string
    objects met again (as the reader shares short values) and different ones in between
    must still get the detailed checks' answer."""
    version, sd = data.draw(st.sampled_from(DEFINITIONS))
    _, component, repetition = DELIMS[version]
    check = _checker(version, sd)
    pool: list[list[str]] = []
    for _ in range(data.draw(st.integers(2, 12))):
        if pool and data.draw(st.booleans()):
            els = list(data.draw(st.sampled_from(pool)))  # the same string objects again
        else:
            els = data.draw(_segments_of(version, sd))
            pool.append(els)
        fast = check(els)
        problems = schema.check_segment(sd, els, component, repetition)
        if fast:
            assert problems == [], (els, problems)
        if all(v.isascii() for v in els):
            assert fast == (problems == []), (els, problems)


def test_every_definition_accepts_its_minimal_valid_segment() -> None:
    """A segment with only its mandatory elements, each with a valid value: both say valid
    (so the fast path really serves every definition, not only the ones in samples)."""
    served = 0
    for version, sd in DEFINITIONS:
        _, component, repetition = DELIMS[version]
        check = _checker(version, sd)
        els = [sd.tag] + [""] * len(sd.elements)
        for ed in sd.elements:
            if ed.usage != "M":
                continue
            parts = [ed.simple] if ed.simple is not None else list(ed.components)
            vals = [next(v for v in _candidates(p) if v and not schema.check_value(p, v))
                    if p.usage == "M" or ed.simple is not None else "" for p in parts]
            els[ed.seq] = component.join(vals).rstrip(component)
        if schema.check_segment(sd, els, component, repetition):
            continue  # a syntax note needs more than the mandatory elements
        assert check(els), (sd.tag, els)
        served += 1
    assert served > len(DEFINITIONS) * 0.8


def test_corpus_segments_agree() -> None:
    seen = 0
    for data in _corpus_bytes():
        version = None
        for ev in iter_events(data):
            if isinstance(ev, TransactionStart):
                version = schema.base_version(ev.version)
                sc = schema.load(version, ev.set_id) if version else None
                defs = {n.tag: n.segment for n in sc.nodes} if sc else {}
            elif type(ev) is Segment and version and ev.tag in defs:
                _agree(version, defs[ev.tag], ev.elements)
                seen += 1
    assert seen > 500


def _validated(data: bytes) -> list:
    return [ev for ev in validator.validate_transactions(validate_envelope(iter_events(data)))
            if not isinstance(ev, Segment)]


def _with_checker(checker: object, data: bytes, monkeypatch: pytest.MonkeyPatch) -> list:
    monkeypatch.setattr(schema, "NativeChecker", checker)
    schema.native_check.cache_clear()
    validator._table.cache_clear()
    try:
        return _validated(data)
    finally:
        monkeypatch.undo()
        schema.native_check.cache_clear()
        validator._table.cache_clear()


def _both(data: bytes, monkeypatch: pytest.MonkeyPatch) -> tuple[list, list]:
    return _with_checker(_c.Checker, data, monkeypatch), _with_checker(None, data, monkeypatch)


@pytest.mark.parametrize("data", _corpus_bytes(), ids=range(len(_corpus_bytes())))
def test_validator_findings_identical_on_corpus(data: bytes, monkeypatch: pytest.MonkeyPatch) -> None:
    native, regex = _both(data, monkeypatch)
    assert native == regex


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                HealthCheck.function_scoped_fixture])
@given(data=st.sampled_from(_corpus_bytes()), mutations=st.lists(_MUTATION, max_size=8))
def test_validator_findings_identical_on_damaged_input(data: bytes, mutations: list,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    native, regex = _both(_mutate(data, mutations), monkeypatch)
    assert native == regex


def test_native_checker_used_when_built_and_not_disabled() -> None:
    sd = DEFINITIONS[0][1]
    if os.environ.get("EDI_GATEWAY_PURE", "") not in ("", "0"):
        assert schema.NativeChecker is None and schema.native_check(sd, ":", "^") is None
    else:
        assert schema.NativeChecker is _c.Checker
        assert schema.native_check(sd, ":", "^") is not None
    assert schema.native_check(sd, "::", "^") is None  # delimiters it does not take: regex path


@pytest.mark.parametrize("spec", [
    (), (1,), (300, (), ()), (1, ((0, 0, 1, None, (), ()),), ()),
    (1, ((1, 0, 1, (3, 1, 2, None, 0), (), ()),), ()),  # code list type without codes
    (1, ((1, 0, 1, (1, 1, 2, frozenset({"A"}), 0), (), ()),), ()),  # codes on a non-ID
    (1, ((1, 0, 1, None, (), ()),), ()),  # composite without components
    (1, ((1, 0, 1, (1, -1, 2, None, 0), (), ()),), ()),
    (1, ((1, 0, 1, (1, 1, 2, None, 0), (), ()),), ((9, (1, 2)),)),  # note kind
    (1, ((1, 0, 1, (1, 1, 2, None, 0), (), ()),), ((1, (1,)),)),  # note with one position
    (1, ((1, 0, 1, (1, 1, 2, None, 0), (), ()),), ((1, (1, 999)),)),
    (1, ((1, 0, 1, (1, "1", 2, None, 0), (), ()),), ()),
])
def test_malformed_spec_raises_value_error(spec: tuple) -> None:
    with pytest.raises((ValueError, TypeError)):
        _c.Checker(spec, ":", "^")


def test_delimiters_and_odd_arguments() -> None:
    spec = (2, ((1, 1, 1, (1, 1, 3, None, 1), (), ()), (2, 0, 2, (5, 1, 2, None, 0), (), ())), ())
    with pytest.raises(ValueError):
        _c.Checker(spec, "::", None)
    ck = _c.Checker(spec, ":", "^")
    assert ck.check(["X", "AB", "12^3"]) is True
    assert ck.check(["X", "AB", "12^3^4"]) is False  # too many repetitions
    assert ck.check(["X", "AB", "1:2"]) is False  # components in a simple element
    assert ck.check(["X", "", "1"]) is False  # mandatory missing
    assert ck.check(["X", "AB", "1", ""]) is True  # empty trailing element past the definition
    assert ck.check(["X", "AB", "1", "Z"]) is False  # too many elements
    for odd in (None, "X*AB", ("X", "AB"), [], ["X", 1], ["X", b"AB"]):
        assert ck.check(odd) is False


def test_element_order_and_notes_past_the_last_element() -> None:
    """Element definitions in any order (checked by position, stopping at the segment's last
    element); a mandatory element after it; each note kind when none, some or all of its
    elements are there."""
    an = (1, 1, 3, None, 0)
    elems = tuple((seq, int(seq == 4), 1, an, (), ()) for seq in (5, 2, 4, 1, 3))
    for kind, positions in ((1, (2, 3)), (2, (2, 5)), (3, (3, 5)), (4, (2, 3)), (5, (1, 5))):
        spec = (5, elems, ((kind, positions),))
        optional = (5, tuple((s, 0, r, a, c, n) for s, _, r, a, c, n in elems),
                    ((kind, positions),))
        ck, ck_opt = _c.Checker(spec, ":", "^").check, _c.Checker(optional, ":", "^").check
        assert ck(["X", "A", "", "", "D"]) is (kind in (1, 3, 4))  # R and L need 2 or 5
        assert ck(["X", "A"]) is False  # element 4 is mandatory
        for els in (["X"], ["X", "A"], ["X", "", "B"], ["X", "", "B", "C"], ["X", "A", "", "", "", "E"],
                    ["X", "", "B", "C", "", "E"]):
            present = {i for i, v in enumerate(els) if i and v}
            p = set(positions)
            want = {1: not (p & present) or p <= present, 2: bool(p & present),
                    3: positions[0] not in present or set(positions[1:]) <= present,
                    4: len(p & present) <= 1,
                    5: positions[0] not in present or bool(set(positions[1:]) & present)}[kind]
            assert ck_opt(els) is want, (kind, positions, els)


def test_advance_stops_at_what_it_cannot_take_and_changes_nothing_for_it() -> None:
    """The validator's C loop: moves over segments that fit and pass their check, stops
    (state, counters and output untouched) at the first one that does not."""
    check = _c.Checker((1, ((1, 1, 1, (1, 1, 3, None, 1), (), ()),), ()), ":", "^").check
    # state 0 -(A)-> 1 -(B: into loop at depth 1)-> 2 -(B again: loop repeat, limit 2)-> 2
    table = ({"A": (1, 0, 0, 1, None, [], True, check)},
             {"B": (2, 2, 1, 2, None, [], True, check)},
             {"B": (2, 3, 1, 2, None, [], True, check), "C": (1, 1, 0, 3, None, [], True, None)})
    segs = [Segment("A", ["A", "x"], 0, 1), Segment("B", ["B", "y"], 5, 2),
            Segment("B", ["B", "z"], 9, 3), Segment("B", ["B", "w"], 13, 4)]
    out: list = []
    counts = [1, 7]
    assert _c.advance(segs, 0, out, table, 0, 1, counts, Segment) == (3, 2, 1)
    assert out == segs[:3] and counts == [1, 2]  # the 4th B would exceed the loop's limit
    out2: list = []
    bad = [Segment("A", ["A", ""], 0, 1)]  # mandatory element missing: check fails
    assert _c.advance(bad, 0, out2, table, 0, 1, counts, Segment) == (0, 0, 1) and out2 == []
    odd = ["not a segment"]
    assert _c.advance(odd, 0, out2, table, 0, 1, counts, Segment) == (0, 0, 1)
    no_check = [Segment("C", ["C", "q"], 0, 1)]
    assert _c.advance(no_check, 0, out2, table, 2, 1, counts, Segment) == (0, 2, 1)
    assert _c.advance(segs, 0, out2, table, 99, 1, counts, Segment) == (0, 99, 1)
    with pytest.raises(TypeError):
        _c.advance(None, 0, [], table, 0, 1, counts, Segment)
    with pytest.raises(TypeError):
        _c.advance(segs, 0, [], [], 0, 1, counts, Segment)


def test_notes_on_bit_masks_and_past_position_63() -> None:
    """Notes whose positions are all below 64 and different are decided on bit masks;
    others (far positions, a position named twice) on the position list: same answers."""
    an = (1, 1, 3, None, 0)
    for kind in (1, 2, 3, 4, 5):
        for positions in ((2, 3), (62, 63), (63, 64), (70, 71), (2, 2, 3)):
            seqs = sorted(set(positions) | {1})
            elems = tuple((seq, 0, 1, an, (), ()) for seq in seqs)
            ck = _c.Checker((max(seqs), elems, ((kind, positions),)), ":", "^").check
            p = list(dict.fromkeys(positions))
            for present in ((), (p[0],), (p[-1],), tuple(p)):
                els = ["X"] + [""] * max(seqs)
                for q in present:
                    els[q] = "A"
                while len(els) > 1 and not els[-1]:
                    els.pop()
                have = set(present)
                count = sum(1 for q in positions if q in have)
                want = {1: count in (0, len(positions)), 2: count > 0,
                        3: positions[0] not in have or all(q in have for q in positions[1:]),
                        4: count <= 1,
                        5: positions[0] not in have or any(q in have for q in positions[1:])}[kind]
                assert ck(els) is want, (kind, positions, present)


def test_notes_answer_remembered_only_for_the_elements_that_passed() -> None:
    """A checker remembers the set of elements its notes last passed with; any other set is
    decided afresh, a failing one never remembered."""
    an = (1, 1, 3, None, 0)
    elems = tuple((seq, 0, 1, an, (), ()) for seq in (1, 2, 3))
    ck = _c.Checker((3, elems, ((1, (2, 3)),)), ":", "^").check  # P0203: both or neither
    for _ in range(3):
        assert ck(["X", "A", "B", "C"]) is True
        assert ck(["X", "A", "B"]) is False
        assert ck(["X", "A"]) is True
        assert ck(["X", "A", "", "C"]) is False
