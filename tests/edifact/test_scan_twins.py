"""The message and envelope validators' C scans (translators/edifact/_c_scan.c) against their pure-Python
twins (translators/edifact/_scan.py): the same results for the function and the same events
through the validators, on the corpus, generated files and damaged input."""
from __future__ import annotations

import io

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bench import data as bench_data
from translators.edifact import _scan, envelope, validator
from translators.edifact.adapter import checked_events
from translators.edifact.events import MessageEnd, Segment
from translators.findings import Finding

from shared_paths import sibling  # noqa: E402
_fast_paths = sibling(__file__, "test_fast_paths")
BODY = _fast_paths.BODY
interchange = _fast_paths.interchange
step_by_step = _fast_paths.step_by_step
_reader_tests = sibling(__file__, "test_reader")
CORPUS = _reader_tests.CORPUS
EDIFACT_FILES = _reader_tests.EDIFACT_FILES
EDIT = _reader_tests.EDIT
SEEDS = _reader_tests.SEEDS
_mutate = _reader_tests._mutate

_c = pytest.importorskip("translators.edifact._c_scan",
                         reason="C scans not built (python setup.py build_ext --inplace)")


def both(fn, monkeypatch: pytest.MonkeyPatch) -> tuple[list, list]:
    monkeypatch.setattr(validator, "_scan", _c.scan)
    monkeypatch.setattr(validator, "_others", _c.others)
    monkeypatch.setattr(envelope, "_others", _c.others)
    native = fn()
    monkeypatch.setattr(validator, "_scan", _scan.scan)
    monkeypatch.setattr(validator, "_others", _scan.others)
    monkeypatch.setattr(envelope, "_others", _scan.others)
    return native, fn()


def checked(data: bytes, size: int) -> list:
    return list(checked_events(data[i:i + size] for i in range(0, len(data), size)))


@pytest.mark.parametrize("name", EDIFACT_FILES)
def test_corpus_identical(name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    data = (CORPUS / name).read_bytes()
    for size in (1 << 16, 11):
        native, pure = both(lambda: checked(data, size), monkeypatch)
        assert native == pure and native == step_by_step(data)


@pytest.mark.parametrize("kind", ["edifact-orders", "edifact-desadv"])
def test_generated_files_identical(kind: str, monkeypatch: pytest.MonkeyPatch) -> None:
    buf = io.BytesIO()
    bench_data.GENERATORS[kind](buf, 300_000)
    native, pure = both(lambda: checked(buf.getvalue(), 1 << 16), monkeypatch)
    assert native == pure
    assert sum(isinstance(e, MessageEnd) for e in native) > 20


def test_remembered_lists_with_errors_are_still_reported(monkeypatch: pytest.MonkeyPatch) -> None:
    good = [BODY] * 3
    bad = [[s.replace("QTY+21:10:PCE", "QTY+21:1x:PCE") for s in BODY]]
    data = interchange(good + bad + good + [BODY[:2]] + good)
    native, pure = both(lambda: checked(data, 1 << 16), monkeypatch)
    assert native == pure == step_by_step(data)
    codes = [(f.code, f.position.transaction) for f in native if isinstance(f, Finding)]
    assert ("37", "M4") in codes and any(t == "M8" for _, t in codes)


@settings(max_examples=60, deadline=None, suppress_health_check=[
    HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(name=st.sampled_from(SEEDS), edits=st.lists(EDIT, min_size=1, max_size=8))
def test_fuzz_identical(name: str, edits: list, monkeypatch: pytest.MonkeyPatch) -> None:
    mutant = _mutate((CORPUS / name).read_bytes(), edits)
    native, pure = both(lambda: checked(mutant, 1 << 16), monkeypatch)
    assert native == pure


# ----------------------------------------------------------------------------- the functions

_POOL = [[["QTY"], ["21", "5"]], [["DTM"], ["137"]], [["QTY"], ["1"]], [["LIN"]]]
_TAGS = ["QTY", "DTM", "LIN", "".join(["Q", "TY"])]  # the last: equal to QTY, another object


@given(st.lists(st.tuples(st.integers(0, 3), st.integers(0, 3),
                          st.sampled_from([None, {}, {1: [["a"], ["b"]]}])), max_size=12),
       st.dictionaries(st.integers(0, 3), st.integers(0, 3), max_size=4),
       st.integers(0, 8))
def test_scan_identical(spec: list, remembered: dict, limit: int) -> None:
    held = [Segment(_TAGS[t], _POOL[p], 0, 1, rep) for t, p, rep in spec]
    known = {id(_POOL[p]): _TAGS[t] for p, t in remembered.items()}
    got = _c.scan(held, known, limit, Segment)
    assert got == _scan.scan(held, known, limit, Segment)
    tags, unknown, small = got
    assert list(tags) == [s.tag for s in held]
    if unknown is not None:
        assert all(known.get(id(held[k].elements)) is not held[k].tag for k in unknown)
        assert small == [sum(len(v) for c in held[k].elements for v in c) <= limit
                         for k in unknown]
    else:
        assert small == []


def test_scan_leaves_other_items_to_the_twin_and_checks_arguments() -> None:
    seg = Segment("QTY", _POOL[0], 0, 1)
    assert _c.scan([seg, ("QTY", _POOL[0], 0, 1, None)], {}, 9, Segment) is None
    assert _c.scan([seg._replace(repeats=[1])], {}, 9, Segment) is None
    for odd in ([["QTY"], ("21",)], [["QTY"], [21]], (["QTY"],)):  # not lists of lists of str
        assert _c.scan([seg, seg._replace(elements=odd)], {}, 9, Segment) is None
        assert _scan.scan([seg._replace(elements=odd)], {}, 9, Segment)[2] == [
            _scan.small(odd, 9)]
    assert _c.scan([], {}, 9, Segment) == ((), [], [])
    with pytest.raises(TypeError):
        _c.scan((seg,), {}, 9, Segment)
    with pytest.raises(TypeError):
        _c.scan([seg], {}, 9, int)
    with pytest.raises(TypeError):
        _c.others(None, Segment)


@given(st.lists(st.sampled_from([Segment("A", [["A"]], 0, 1), ("A",), None, 3,
                                 MessageEnd(0, "", "", None, 2)]), max_size=20))
def test_others_identical(events: list) -> None:
    assert _c.others(events, Segment) == _scan.others(events, Segment)
    assert all(type(events[i]) is not Segment for i in _c.others(events, Segment))
