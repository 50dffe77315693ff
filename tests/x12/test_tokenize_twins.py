"""The C reader hot loop (translators/x12/_c_tokenize.c) against its pure-Python twin
(translators/x12/_tokenize.py): identical events on the corpus, fed whole and one byte at a
time, on fuzzed input, and memory-safe on malformed arguments."""
from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from translators.x12 import _tokenize, reader
from translators.x12.events import Segment

from shared_paths import sibling  # noqa: E402
_reader_tests = sibling(__file__, "test_reader")
GOOD = _reader_tests.GOOD
_MUTATION = _reader_tests._MUTATION
_corpus_bytes = _reader_tests._corpus_bytes
_mutate = _reader_tests._mutate
bytewise = _reader_tests.bytewise
read = _reader_tests.read

_c = pytest.importorskip("translators.x12._c_tokenize",
                         reason="C tokenizer not built (python setup.py build_ext --inplace)")


def both(fn, data: bytes, monkeypatch: pytest.MonkeyPatch) -> tuple[list, list]:
    monkeypatch.setattr(reader, "_body_segments", _c.body_segments)
    native = fn(data)
    monkeypatch.setattr(reader, "_body_segments", _tokenize.body_segments)
    return native, fn(data)


@pytest.mark.parametrize("data", _corpus_bytes(), ids=range(len(_corpus_bytes())))
def test_corpus_identical_whole_and_bytewise(data: bytes, monkeypatch: pytest.MonkeyPatch) -> None:
    native, pure = both(read, data, monkeypatch)
    assert native == pure
    native_b, pure_b = both(bytewise, data[:4000], monkeypatch)
    assert native_b == pure_b


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                HealthCheck.function_scoped_fixture])
@given(data=st.sampled_from(_corpus_bytes()), mutations=st.lists(_MUTATION, max_size=8))
def test_fuzz_identical(data: bytes, mutations: list, monkeypatch: pytest.MonkeyPatch) -> None:
    mutant = _mutate(data, mutations)
    native, pure = both(read, mutant, monkeypatch)
    assert native == pure


@given(st.lists(st.text(alphabet="AB*~ \t\r\n1\x00é", max_size=12), max_size=8),
       st.integers(min_value=-3, max_value=10), st.sampled_from(["", "\r", "~\r"]),
       st.sampled_from(["*", "**"]), st.integers(min_value=0, max_value=6))
def test_function_level_identical(parts: list, i: int, rs: str, es: str, maxlen: int) -> None:
    kinds = {"AB": 0, "A": 0, "B": 3}
    out_c: list = []
    out_p: list = []
    r_c = _c.body_segments(parts, i, 100, 5, 1, rs, es, kinds, maxlen, 2, out_c, Segment)
    r_p = _tokenize.body_segments(parts, max(i, 0), 100, 5, 1, rs, es, kinds, maxlen, 2, out_p,
                                  Segment)
    assert r_c == r_p and out_c == out_p


def test_malformed_arguments_raise_type_error_only() -> None:
    with pytest.raises(TypeError):
        _c.body_segments(None, 0, 0, 0, 1, "", "*", {}, 10, 0, [], Segment)
    with pytest.raises(TypeError):
        _c.body_segments([], 0, 0, 0, 1, "", "*", {}, 10, 0, [], int)
    out: list = []
    assert _c.body_segments([b"AB*1", 3, "AB*1"], 0, 0, 0, 1, "", "*", {"AB": 0}, 10, 0, out,
                            Segment) == (0, 0, 0) and out == []
    assert _c.body_segments(["AB*1"], 0, 0, 0, 1, "", "", {"AB": 0}, 10, 0, out,
                            Segment) == (0, 0, 0)
    assert any(type(e) is Segment for e in read(GOOD))  # the reader still works


def test_c_segments_are_made_untracked() -> None:
    """The C loop takes its (acyclic) lists and Segments out of the collector's care."""
    import gc
    out: list = []
    _c.body_segments(["AB*1*2", "AB*3"], 0, 0, 0, 1, "", "*", {"AB": 0}, 99, 0, out, Segment)
    assert [s.elements for s in out] == [["AB", "1", "2"], ["AB", "3"]]
    assert not any(gc.is_tracked(s) or gc.is_tracked(s.elements) for s in out)
