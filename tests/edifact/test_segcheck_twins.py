"""The C element checker (translators/edifact/_c_segcheck.c) against its pure-Python twin, the
generated checker of translators/edifact/schema.py ``_compile_fast``: the same answer for every
segment definition of every directory, on near-valid and damaged element lists; True only where
``SegmentSpec.errors`` finds nothing; the validator's findings identical with either; memory-safe
on malformed specs and odd element lists."""
from __future__ import annotations

import os
from functools import lru_cache

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from translators.edifact import schema
from translators.edifact.adapter import checked_events
from translators.edifact.schema import CompositeSpec, ElementSpec, checker_spec, load_directory

from shared_paths import sibling  # noqa: E402
_reader_tests = sibling(__file__, "test_reader")
CORPUS = _reader_tests.CORPUS
EDIFACT_FILES = _reader_tests.EDIFACT_FILES
_schema_tests = sibling(__file__, "test_schema")

_c = pytest.importorskip("translators.edifact._c_segcheck",
                         reason="C checker not built (python setup.py build_ext --inplace)")

DIRECTORIES = ["D96A", "D01B", "S3", "S4"]
VALUE = st.text("0123456789ABZ.,- \u0663", max_size=9) | st.sampled_from(
    ["", "220", "137", "102", "203", "718", "20260517", "202605171200", "20260517-20260518",
     "21", "9", "EN", "S", "12.5", "-1,5", "5.", ".5", "ZZZ", "BY", "X" * 36, "7" * 16])


@lru_cache(maxsize=None)
def _twins(directory: str, tag: str) -> tuple:
    spec = load_directory(directory)[tag]
    return (_c.Checker(checker_spec(spec.elements)).check,
            schema._compile_fast(tag, spec.elements), spec)


def _near_valid(spec, data: st.DataObject) -> list:
    """Element lists close to the definition: its codes and pictures' codes, values of about
    the right length, missing and extra elements and components."""
    def value(el: ElementSpec) -> str:
        choices = [VALUE]
        if el.codes:
            choices.append(st.sampled_from(sorted(el.codes)))
        if el.pictures:
            choices.append(st.sampled_from(sorted(el.pictures)))
        fill = "7" if el.kind == "n" else "X"
        choices.append(st.integers(0, el.max_len + 1).map(lambda k: fill * k))
        return data.draw(st.one_of(*choices))

    elements = [[spec.tag]]
    given_specs = spec.elements[:data.draw(st.integers(0, len(spec.elements) + 1))]
    for el in given_specs:
        if isinstance(el, CompositeSpec):
            comps = [value(c) for c in el.components[:data.draw(
                st.integers(0, len(el.components) + 1))]]
            elements.append(comps + data.draw(st.lists(VALUE, max_size=1)) or [""])
        else:
            elements.append([value(el)] + data.draw(st.lists(VALUE, max_size=1)))
    return elements + data.draw(st.lists(st.lists(VALUE, min_size=1, max_size=2), max_size=1))


@settings(max_examples=1000, deadline=None)
@given(directory=st.sampled_from(DIRECTORIES), data=st.data())
def test_same_answer_as_the_generated_checker(directory: str, data: st.DataObject) -> None:
    tag = data.draw(st.sampled_from(sorted(load_directory(directory))))
    native, pure, spec = _twins(directory, tag)
    elements = _near_valid(spec, data)
    answer = native(elements)
    assert answer is pure(elements)
    if answer:
        assert spec.errors(elements) == []


@settings(max_examples=400, deadline=None)
@given(directory=st.sampled_from(DIRECTORIES), data=st.data())
def test_same_answer_on_arbitrary_lists(directory: str, data: st.DataObject) -> None:
    tag = data.draw(st.sampled_from(sorted(load_directory(directory))))
    native, pure, spec = _twins(directory, tag)
    elements = [[tag]] + data.draw(st.lists(st.lists(VALUE, max_size=6), max_size=10))
    assert native(elements) is pure(elements)


@pytest.mark.parametrize("directory", DIRECTORIES)
def test_every_definition_accepts_its_minimal_valid_segment(directory: str) -> None:
    for tag, spec in load_directory(directory).items():
        native, pure, _ = _twins(directory, tag)
        elements = _schema_tests.minimal_valid(tag, spec)
        assert native(elements) and pure(elements), tag


def test_pictures_of_dates() -> None:
    native, pure, _ = _twins("D96A", "DTM")
    for value, ok in [("137:20260517:102", True), ("137:2026051:102", False),
                      ("137:20260517-20260518:718", True), ("137:20260517-2026051:718", False),
                      ("137:2026-05-17:102", False), ("137:202605171200:203", True),
                      ("137:ABC:ZZZ", False), ("137:2026\u0663517:102", False)]:
        elements = [["DTM"], value.split(":")]
        assert native(elements) is pure(elements) is ok, value


def test_schema_uses_the_c_checker_unless_disabled() -> None:
    pure = os.environ.get("EDI_GATEWAY_PURE", "") not in ("", "0")
    assert schema.NATIVE_CHECKS is (not pure)
    fast = load_directory("D96A")["BGM"].fast
    assert (type(getattr(fast, "__self__", None)) is _c.Checker) is (not pure)


def _events_with(fast_of, data: bytes, monkeypatch: pytest.MonkeyPatch) -> list:
    """Validated events of data with the checkers fast_of(tag, elements) gives."""
    schema.load_directory.cache_clear()
    schema.load_schema.cache_clear()
    monkeypatch.setattr(schema, "fast_checker", fast_of)
    try:
        return list(checked_events([data]))
    finally:
        schema.load_directory.cache_clear()
        schema.load_schema.cache_clear()


def _native_fast(tag: str, specs: tuple) -> object:
    return _c.Checker(checker_spec(specs)).check


@pytest.mark.parametrize("name", EDIFACT_FILES)
def test_corpus_findings_identical(name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    data = (CORPUS / name).read_bytes()
    native = _events_with(_native_fast, data, monkeypatch)
    pure = _events_with(schema._compile_fast, data, monkeypatch)
    assert native == pure


@settings(max_examples=60, deadline=None, suppress_health_check=[
    HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(name=st.sampled_from(_reader_tests.SEEDS),
       edits=st.lists(_reader_tests.EDIT, min_size=1, max_size=8))
def test_damaged_findings_identical(name: str, edits: list,
                                    monkeypatch: pytest.MonkeyPatch) -> None:
    mutant = _reader_tests._mutate((CORPUS / name).read_bytes(), edits)
    native = _events_with(_native_fast, mutant, monkeypatch)
    pure = _events_with(schema._compile_fast, mutant, monkeypatch)
    assert native == pure


def test_malformed_specs_raise_type_error_only() -> None:
    good = checker_spec(load_directory("D96A")["BGM"].elements)
    assert _c.Checker(good).check([["BGM"], ["220"]]) in (True, False)
    value = (1, 3, 0, 35, None, False, -1, None)
    for spec in [(), (1,), (1, 0, ()), (0, 0, (None,)), (-1, 0, ()), (1, 0, ((1, False, value),)),
                 (1, 0, ((0, False, value, (), 0),)),
                 (1, 0, ((1, False, (1, 9, 0, 35, None, False, -1, None), (), 0),)),
                 (1, 0, ((1, False, (1, 3, 0, 35, [], False, -1, None), (), 0),)),
                 (1, 0, ((1, False, (1, 3, 0, 35, None, False, 0, None), (), 0),)),
                 (1, 0, ((1, False, None, (value,), 2),)),
                 (1, 0, ((1, False, None, ((5, 3, 0, 35, None, False, -1, None),), 0),)),
                 (1, 0, ((1, False, None, ((1, 3, 0, 35, None, False, 0, {1: "x"}),), 0),)),
                 (1, 0, ((1, False, value, (value,), 0),)),
                 (1, 0, ((1, 0, value, (), 0),))]:
        with pytest.raises(TypeError):
            _c.Checker(spec)
    with pytest.raises(TypeError):
        _c.Checker([1, 0, ()])


def test_odd_element_lists_are_not_accepted() -> None:
    check = _c.Checker(checker_spec(load_directory("D96A")["BGM"].elements)).check
    for odd in (None, 3, "BGM+220", (["BGM"], ["220"]), [["BGM"], "220"], [["BGM"], [220]],
                [["BGM"], ("220",)], [["BGM"], ["220", None]], [["BGM"]] * 50):
        assert check(odd) is False
