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


@given(st.text(alphabet="AB*~ \t\r\n1\x00é", max_size=60), st.integers(min_value=-3, max_value=70),
       st.sampled_from(["", "\r", "~\r"]), st.sampled_from(["*", "**"]), st.sampled_from(["~", "~~"]),
       st.integers(min_value=0, max_value=6))
def test_function_level_identical(text: str, cur: int, rs: str, es: str, term: str,
                                  maxlen: int) -> None:
    """Same results wherever the C loop takes the input (ASCII text, one-character
    terminator and separator, a start inside the text); elsewhere it consumes nothing."""
    kinds = {"AB": 0, "A": 0, "B": 3}
    out_c: list = []
    out_p: list = []
    r_c = _c.body_segments(text, cur, 100, term, rs, es, kinds, maxlen, 2, out_c, Segment)
    takes = text.isascii() and len(term) == 1 and len(es) == 1 and 0 <= cur <= len(text)
    if not takes:
        assert r_c == (cur, 2) and out_c == []
        return
    r_p = _tokenize.body_segments(text, cur, 100, term, rs, es, kinds, maxlen, 2, out_p, Segment)
    assert r_c == r_p and out_c == out_p


@given(st.lists(st.sampled_from(["AB*1", "A", "ABCDEFGH*2", "ABCDEFGHI*3", "*4", "B*5", " \t", "",
                                 "AB", "AB**"]), max_size=12),
       st.sampled_from(["AB", "A", "ABCDEFGH", "B"]))
def test_tags_of_every_length_and_kind(segments: list, body: str) -> None:
    """The C loop's per-call table: tags of 1 to 8 characters are looked up once and
    shared, longer or empty ones stop the run (the reader's kinds hold 2-3 characters)."""
    kinds = {body: 0, "B": 3, "ABCDEFGHI": 0, "": 0}
    text = "~".join(segments) + "~"
    out_c: list = []
    out_p: list = []
    cur_c, pos_c = _c.body_segments(text, 0, 0, "~", "", "*", kinds, 99, 0, out_c, Segment)
    cur_p, pos_p = _tokenize.body_segments(text, 0, 0, "~", "", "*", kinds, 99, 0, out_p,
                                           Segment)
    stopped_on_special = cur_c < cur_p and text[cur_c:].lstrip(" \t").split("*")[0] in (
        "ABCDEFGHI", "")
    assert (cur_c, pos_c, out_c) == (cur_p, pos_p, out_p) or stopped_on_special
    assert out_c == out_p[:len(out_c)]
    tags = [s.tag for s in out_c]
    for a, b in zip(tags, tags[1:]):
        if a == b:
            assert a is b  # one string per tag and call


def test_malformed_arguments_raise_type_error_only() -> None:
    with pytest.raises(TypeError):
        _c.body_segments(None, 0, 0, "~", "", "*", {}, 10, 0, [], Segment)
    with pytest.raises(TypeError):
        _c.body_segments("", 0, 0, "~", "", "*", {}, 10, 0, [], int)
    with pytest.raises(TypeError):
        _c.body_segments("AB*1~", 0, 0, "~", "", "*", [], 10, 0, [], Segment)
    out: list = []
    for cur in (-1, 6, 1 << 40):
        assert _c.body_segments("AB*1~", cur, 0, "~", "", "*", {"AB": 0}, 10, 0, out,
                                Segment) == (cur, 0) and out == []
    assert _c.body_segments("AB*1~", 0, 0, "~", "", "", {"AB": 0}, 10, 0, out,
                            Segment) == (0, 0)
    assert _c.body_segments("AB*1~", 0, 0, "", "", "*", {"AB": 0}, 10, 0, out,
                            Segment) == (0, 0)
    assert _c.body_segments("AB*1~", 0, 0, "~", "", "*", {"AB": 0.0, 1: 0}, 10, 0, out,
                            Segment) == (0, 0) and out == []
    assert _c.body_segments("AB*1~", 0, 0, "~", "", "*", {"AB": 1 << 80}, 10, 0, out,
                            Segment) == (0, 0) and out == []
    assert any(type(e) is Segment for e in read(GOOD))  # the reader still works


def test_many_distinct_tags_and_values_in_one_call() -> None:
    """More distinct tags and short values than the C loop's table holds: the ones it
    cannot keep are made one by one, with the same results."""
    tags = [a + b for a in "ABCDEFGHIJKLMNOPQRST" for b in "0123456789"]
    text = "".join(f"{t}*{t[::-1]}*{i % 97:03d}*{t}x~" for i, t in enumerate(tags))
    kinds = dict.fromkeys(tags, 0)
    out: list = []
    expected: list = []
    assert _c.body_segments(text, 0, 0, "~", "", "*", kinds, 99, 0, out, Segment) == (
        len(text), len(tags))
    _tokenize.body_segments(text, 0, 0, "~", "", "*", kinds, 99, 0, expected, Segment)
    assert out == expected


@pytest.mark.parametrize("count", [1, 2, 62, 63, 64, 65, 66, 200])
def test_segments_of_any_element_count(count: int) -> None:
    """The C split remembers up to 64 separators in one pass and counts again past that."""
    values = [f"V{i}" if i % 3 else "" for i in range(count)]
    text = "AB*" + "*".join(values) + "~AB~"
    out_c: list = []
    out_p: list = []
    r_c = _c.body_segments(text, 0, 0, "~", "", "*", {"AB": 0}, 9999, 0, out_c, Segment)
    r_p = _tokenize.body_segments(text, 0, 0, "~", "", "*", {"AB": 0}, 9999, 0, out_p, Segment)
    assert r_c == r_p and out_c == out_p
    assert out_c[0].elements == ["AB"] + values and out_c[1].elements == ["AB"]


def test_short_values_are_shared_within_a_call() -> None:
    out: list = []
    _c.body_segments("LIN*1*BP*X1~LIN*2*BP*X2~", 0, 0, "~", "", "*", {"LIN": 0}, 99, 0, out,
                     Segment)
    a, b = out
    assert a.tag is b.tag and a.elements[0] is a.tag
    assert a.elements[2] == "BP" and a.elements[2] is b.elements[2]
    assert a.elements == ["LIN", "1", "BP", "X1"] and b.elements == ["LIN", "2", "BP", "X2"]


def test_c_segments_are_made_untracked() -> None:
    """The C loop takes its (acyclic) lists and Segments out of the collector's care."""
    import gc
    out: list = []
    _c.body_segments("AB*1*2~\nAB*3~", 0, 0, "~", "", "*", {"AB": 0}, 99, 0, out, Segment)
    assert [s.elements for s in out] == [["AB", "1", "2"], ["AB", "3"]]
    assert [s.offset for s in out] == [0, 8]
    assert not any(gc.is_tracked(s) or gc.is_tracked(s.elements) for s in out)


def test_shared_table_keeps_short_strings_from_call_to_call() -> None:
    """The reader's Shared table: the short strings of one call are the very same objects
    in the next (one transaction set's qualifiers and codes are the next one's)."""
    shared = _c.Shared()
    first: list = []
    second: list = []
    _c.body_segments("LIN*1*BP*X1~", 0, 0, "~", "", "*", {"LIN": 0}, 99, 0, first, Segment,
                     shared)
    _c.body_segments("LIN*2*BP*X1~", 0, 0, "~", "", "*", {"LIN": 0}, 99, 0, second, Segment,
                     shared)
    (a,), (b,) = first, second
    assert a.tag is b.tag and a.elements[2] is b.elements[2] and a.elements[3] is b.elements[3]
    assert b.elements == ["LIN", "2", "BP", "X1"] and shared.size() == 3
    # the shared strings are interned: the same objects as the literals of the consumers
    import sys
    assert b.tag is sys.intern("LIN") and b.elements[2] is sys.intern("BP")
    third: list = []
    _c.body_segments("LIN*2*BP*X1~", 0, 0, "~", "", "*", {"LIN": 0}, 99, 0, third, Segment)
    assert third == second and third[0].elements[2] is b.elements[2]


def test_shared_table_is_bounded_and_evicts() -> None:
    """Ever new values (order numbers, lots) cannot grow the table: past its 1024 slots a
    full probe window gives a slot not met again since to the new string (a tag met all the
    time stays); results are unchanged."""
    shared = _c.Shared()
    kinds = {"REF": 0}
    first: list = []  # the first block's segments, kept while their strings are evicted
    for block in range(20):
        text = "".join(f"REF*{block:02d}{i:04d}*X{i:05d}~" for i in range(300))
        out: list = []
        expected: list = []
        assert _c.body_segments(text, 0, 0, "~", "", "*", kinds, 99, 0, out, Segment,
                                shared) == (len(text), 300)
        _tokenize.body_segments(text, 0, 0, "~", "", "*", kinds, 99, 0, expected, Segment)
        assert out == expected
        assert shared.size() <= 1024
        assert out[0].tag is out[-1].tag  # 'REF' kept through the churn
        first = first or out
    # 6,000 distinct values went through 1,024 slots: most of the first block's were evicted
    # (read again, they are new strings), and the segments that hold them still read the same
    again: list = []
    text = "".join(f"REF*{s.elements[1]}~" for s in first)
    _c.body_segments(text, 0, 0, "~", "", "*", kinds, 99, 0, again, Segment, shared)
    assert [a.elements[1] for a in again] == [s.elements[1] for s in first]
    assert sum(a.elements[1] is s.elements[1] for a, s in zip(again, first)) < 150
    assert [s.elements for s in first] == [["REF", f"00{i:04d}", f"X{i:05d}"] for i in range(300)]


def test_shared_table_sees_kinds_added_between_calls() -> None:
    """A tag's kind is trusted for one call only: the reader adds the kinds of tags it meets
    (never changes one), and a tag that stopped the run in one call is read in the next."""
    shared = _c.Shared()
    kinds: dict = {"AB": 0}
    out: list = []
    text = "AB*1~ZZ*2~AB*3~"
    assert _c.body_segments(text, 0, 0, "~", "", "*", kinds, 99, 0, out, Segment,
                            shared) == (5, 1)
    kinds["ZZ"] = 0
    assert _c.body_segments(text, 5, 0, "~", "", "*", kinds, 99, 1, out, Segment,
                            shared) == (len(text), 3)
    assert [s.elements for s in out] == [["AB", "1"], ["ZZ", "2"], ["AB", "3"]]


def test_shared_argument_is_type_checked() -> None:
    with pytest.raises(TypeError):
        _c.body_segments("AB*1~", 0, 0, "~", "", "*", {"AB": 0}, 10, 0, [], Segment, {})
    with pytest.raises(TypeError):
        _c.Shared(1)
    out: list = []
    assert _c.body_segments("AB*1~", 0, 0, "~", "", "*", {"AB": 0}, 10, 0, out, Segment,
                            None) == (5, 1)


def test_reader_shares_short_values_across_transaction_sets() -> None:
    if not reader.NATIVE:
        pytest.skip("the Python tokenizer makes its own strings")
    data = (b"ISA*00*          *00*          *ZZ*A              *ZZ*B              *261127*0930*U"
            b"*00401*000000001*0*P*>~GS*SH*A*B*20261127*0930*1*X*004010~"
            + b"".join(b"ST*856*%04d~BSN*00*X*20261127~HL*1**S~SE*4*%04d~" % (i, i)
                       for i in range(1, 4))
            + b"GE*3*1~IEA*1*000000001~")
    bsn = [e for e in read(data) if type(e) is Segment and e.tag == "BSN"]
    assert [b.elements for b in bsn] == [["BSN", "00", "X", "20261127"]] * 3
    # the first BSN is read by the general path (the reader learns its kind there); the
    # C loop reads the others, which hold the same '20261127' made once for the reader
    assert bsn[1].elements[3] is bsn[2].elements[3] and bsn[1].tag is bsn[2].tag


def test_segments_made_like_tuples_keep_their_type_alive_and_other_subclasses_work() -> None:
    """Named-tuple Segments are made as tuples make themselves (never tracked); the type's
    reference count comes back to where it was once they are gone.  A tuple subclass with
    another layout (a __dict__) is made through its own tp_alloc, with the same results."""
    import sys
    before = sys.getrefcount(Segment)
    out: list = []
    _c.body_segments("AB*1*2~" * 500, 0, 0, "~", "", "*", {"AB": 0}, 99, 0, out, Segment)
    assert len(out) == 500 and sys.getrefcount(Segment) == before + 500
    del out
    assert sys.getrefcount(Segment) == before

    class WithDict(tuple):
        pass

    mine: list = []
    _c.body_segments("AB*1*2~AB~", 0, 7, "~", "", "*", {"AB": 0}, 99, 0, mine, WithDict)
    assert [type(s) for s in mine] == [WithDict, WithDict]
    assert [tuple(s) for s in mine] == [("AB", ["AB", "1", "2"], 7, 1), ("AB", ["AB"], 14, 2)]
