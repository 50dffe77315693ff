"""The C reader hot loop (translators/edifact/_c_tokenize.c) against its pure-Python twin
(translators/edifact/_tokenize.py): identical events and identical sharing of element lists
(the message validator recognises lists by identity) on the corpus, on generated files, on
damaged input, fed whole, in odd chunks and one byte at a time; memory-safe on malformed
arguments."""
from __future__ import annotations

import io
import os

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bench import data as bench_data
from translators.edifact import _tokenize, reader
from translators.edifact.adapter import checked_events
from translators.edifact.events import MessageStart, Segment
from translators.findings import Finding

from shared_paths import sibling  # noqa: E402
_reader_tests = sibling(__file__, "test_reader")
CORPUS = _reader_tests.CORPUS
EDIFACT_FILES = _reader_tests.EDIFACT_FILES
EDIT = _reader_tests.EDIT
GOOD = _reader_tests.GOOD
SEEDS = _reader_tests.SEEDS
_mutate = _reader_tests._mutate

_c = pytest.importorskip("translators.edifact._c_tokenize",
                         reason="C tokenizer not built (python setup.py build_ext --inplace)")


def chunked(data: bytes, size: int) -> list:
    r = reader.EdifactReader()
    out: list = []
    for i in range(0, len(data), size):
        out += r.feed(data[i:i + size])
    return out + r.close()


def sharing(events: list) -> list[int]:
    """For each segment, the index of the first segment holding the same elements list."""
    first: dict[int, int] = {}
    segs = [e for e in events if isinstance(e, Segment)]
    return [first.setdefault(id(s.elements), k) for k, s in enumerate(segs)]


def both(fn, monkeypatch: pytest.MonkeyPatch) -> tuple[list, list]:
    monkeypatch.setattr(reader, "_body_segments", _c.body_segments)
    monkeypatch.setattr(reader, "_split_block", _c.split_block)
    native = fn()
    monkeypatch.setattr(reader, "_body_segments", _tokenize.body_segments)
    monkeypatch.setattr(reader, "_split_block", _tokenize.split_block)
    return native, fn()


def assert_twins(data: bytes, monkeypatch: pytest.MonkeyPatch, sizes=(1 << 16, 7)) -> list:
    """Both twins give the same events and sharing, and the same events in every chunking."""
    first: list | None = None
    for size in sizes:
        native, pure = both(lambda: chunked(data, size), monkeypatch)
        assert native == pure
        assert sharing(native) == sharing(pure)
        if first is None:
            first = native
        assert native == first
    assert first is not None
    return first


def interchange(body: str, una: str = "UNA:+.? '", nl: str = "\n") -> bytes:
    t = una[8] if una else "'"
    e = una[4] if una else "+"
    c = una[3] if una else ":"
    head = (f"UNB{e}UNOC{c}3{e}SENDER{e}RECEIVER{e}240101{c}1200{e}REF1{t}{nl}"
            f"UNH{e}1{e}ORDERS{c}D{c}96A{c}UN{t}{nl}")
    segs = [s for s in body.split("\n") if s]
    tail = f"UNT{e}{len(segs) + 2}{e}1{t}{nl}UNZ{e}1{e}REF1{t}{nl}"
    return (una + nl + head + "".join(s + t + nl for s in segs) + tail).encode("latin-1")


# ----------------------------------------------------------------------------- whole files

def test_the_reader_uses_the_c_loop_unless_disabled() -> None:
    pure = os.environ.get("EDI_GATEWAY_PURE", "") not in ("", "0")
    assert reader.NATIVE is (not pure)
    assert reader._body_segments is (_tokenize.body_segments if pure else _c.body_segments)
    assert reader._split_block is (_tokenize.split_block if pure else _c.split_block)


@pytest.mark.parametrize("name", EDIFACT_FILES)
def test_corpus_identical_whole_chunked_and_bytewise(name: str,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    data = (CORPUS / name).read_bytes()
    native = assert_twins(data, monkeypatch, (1 << 16, 7, 1))
    assert native  # an empty event list would prove nothing
    checked_c, checked_p = both(lambda: list(checked_events([data])), monkeypatch)
    assert checked_c == checked_p


@pytest.mark.parametrize("kind", ["edifact-orders", "edifact-desadv"])
def test_generated_files_identical_and_shared(kind: str, monkeypatch: pytest.MonkeyPatch) -> None:
    buf = io.BytesIO()
    bench_data.GENERATORS[kind](buf, 400_000)
    data = buf.getvalue()
    native = assert_twins(data, monkeypatch, (1 << 16, 4093))
    shared = sharing(native)
    assert sum(k != j for j, k in enumerate(shared)) > len(shared) // 2  # lists are shared
    assert_twins(data[:6000], monkeypatch, (1 << 16, 1))  # truncated, one byte at a time


@pytest.mark.parametrize("text", [
    # released separators and terminators, a released release character, improper releases
    "BGM+220+PO?+1+9\nFTX+AAI+++O?'Brien?: 50?? off\nFTX+AAI+++O?'Brien?: 50?? off\n"
    "FTX+AAI+++?4 is not released\nNAD+BY+1::9++A?:B?+C\nDTM+137:20240101:102\n"
    "FTX+AAI+++trailing release?\n",
    # unknown, malformed and lowercase tags, empty segments, a service segment mid-message
    "BGM+220+1+9\nXYZ+1\nXYZ+1\nzzz+2\nQT+1\n\nDTM+137:1:102\nUNS+S\nUNS+S\nCNT+2:1\n",
    # one-off texts longer than the cache keeps, repeated
    "FTX+AAI+++" + "A" * 300 + "\nFTX+AAI+++" + "A" * 300 + "\nDTM+137:1:102\n",
])
@pytest.mark.parametrize("nl", ["", "\n", "\r\n", "\r"])
def test_special_segments_and_newlines(text: str, nl: str, monkeypatch: pytest.MonkeyPatch) -> None:
    data = interchange(text, nl=nl)
    native = assert_twins(data, monkeypatch, (1 << 16, 5, 1))
    assert any(isinstance(e, Segment) and e.tag == "DTM" for e in native)


@pytest.mark.parametrize("una", ["UNA:+.? '", "UNA|*,\\ ~", "UNA\xa7\xb6.# \xa4", "UNA:+.  '",
                                 "UNA+:.??'", "UNA:+.?*'"])
def test_una_with_unusual_characters(una: str, monkeypatch: pytest.MonkeyPatch) -> None:
    e, c, r, t = una[4], una[3], una[6], una[8]
    body = "\n".join([f"BGM{e}220{e}PO{r}{e}1{e}9", f"DTM{e}137{c}20240101{c}102",
                      f"FTX{e}AAI{e}{e}{e}x{r}{t}y{r}{c}z{r}{r}", f"QTY{e}21{c}5{c}PCE",
                      f"QTY{e}21{c}5{c}PCE", f"DTM{e}137{c}20240101{c}102"])
    data = interchange(body, una=una)
    native = assert_twins(data, monkeypatch, (1 << 16, 3, 1))
    qty = [s for s in native if isinstance(s, Segment) and s.tag == "QTY"]
    assert len(qty) == 2 and qty[0].elements == [["QTY"], ["21", "5", "PCE"]]


def test_parse_cache_ageing_keeps_twins_equal(monkeypatch: pytest.MonkeyPatch) -> None:
    """More distinct texts than one cache generation holds, in one block and across blocks;
    repeated texts found in the old generation are shared with their first occurrence."""
    n = reader._PARSE_CACHE_LIMIT + 500
    body = "\n".join([f"RFF+ON:X{k}" for k in range(n)] + ["DTM+137:1:102"]
                     + [f"RFF+ON:X{k}" for k in range(0, n, 7)])
    data = interchange(body)
    native = assert_twins(data, monkeypatch, (len(data), 1 << 16, 999))
    segs = [s for s in native if isinstance(s, Segment)]
    assert segs[-1].elements is segs[n - 1 - (n - 1) % 7].elements
    assert segs[n + 1].elements is segs[0].elements


# ----------------------------------------------------------------------------- damaged input

@settings(max_examples=80, deadline=None, suppress_health_check=[
    HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(name=st.sampled_from(SEEDS + ["GOOD"]), edits=st.lists(EDIT, min_size=1, max_size=8))
def test_fuzz_identical(name: str, edits: list, monkeypatch: pytest.MonkeyPatch) -> None:
    _fuzz_case(name, edits, monkeypatch)


@pytest.mark.slow
@settings(max_examples=1500, deadline=None, suppress_health_check=[
    HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(name=st.sampled_from(SEEDS + ["GOOD"]), edits=st.lists(EDIT, min_size=1, max_size=20))
def test_fuzz_identical_long(name: str, edits: list, monkeypatch: pytest.MonkeyPatch) -> None:
    _fuzz_case(name, edits, monkeypatch)


def _fuzz_case(name: str, edits: list, monkeypatch: pytest.MonkeyPatch) -> None:
    data = GOOD if name == "GOOD" else (CORPUS / name).read_bytes()
    mutant = _mutate(data, edits)
    native, pure = both(lambda: chunked(mutant, 1 << 16), monkeypatch)
    assert native == pure and sharing(native) == sharing(pure)
    native_b, pure_b = both(lambda: chunked(mutant, 1), monkeypatch)
    assert native_b == pure_b
    checked_c, checked_p = both(lambda: list(checked_events([mutant])), monkeypatch)
    assert checked_c == checked_p


def test_trailing_data_and_truncation(monkeypatch: pytest.MonkeyPatch) -> None:
    data = interchange("BGM+220+1+9\nDTM+137:1:102\nQTY+21:5:PCE")
    for mutant in (data + b"NAD+BY+1::9'", data[:-20], data + b"\n\n  ", data + data):
        native = assert_twins(mutant, monkeypatch, (1 << 16, 1))
        assert any(isinstance(e, MessageStart) for e in native)
    assert any(isinstance(e, Finding) for e in chunked(data[:-20], 1 << 16))


# ----------------------------------------------------------------------------- the function

_PART = st.text(alphabet="AB+:?x'é\u0416", max_size=10)


@given(st.lists(_PART, max_size=10), st.integers(min_value=0, max_value=12),
       st.sampled_from([None, "?"]), st.dictionaries(_PART, st.just(None), max_size=4),
       st.integers(min_value=0, max_value=6), st.integers(min_value=0, max_value=4),
       st.sampled_from([("+", ":"), (":", "+"), ("é", "x")]))
def test_function_level_identical(parts: list, i: int, r: str | None, seeded: dict,
                                  textmax: int, cachemax: int, seps: tuple) -> None:
    e, c = seps
    kinds = {"AB": 0, "A": 0, "B": 3, "": 0, "\u0416": 0, "x": -1}

    def run(fn):  # type: ignore[no-untyped-def]
        young = {p: [x.split(c) for x in p.split(e)] for p in seeded}
        old = {"A+B": [["A"], ["B"]]}
        out: list = []
        res = fn(parts, i, 100, 2, e, c, r, young, old, kinds, textmax, cachemax, 5, out, Segment)
        return res, out, young, [id(s.elements) in map(id, young.values()) for s in out], \
            [s.elements is old["A+B"] for s in out]

    native, pure = run(_c.body_segments), run(_tokenize.body_segments)
    assert native == pure
    res, out, _, _, _ = native
    assert res[0] - i == len(out) and res[2] == 5 + len(out)


def test_function_stops_at_specials_and_keeps_going_after() -> None:
    parts = ["AB+1", "AB+1", "B+2", "AB+1?:x", "", "A+B", "AB+2"]
    kinds = {"AB": 0, "A": 0, "B": 3}
    young: dict = {}
    old = {"A+B": [["A"], ["B"]]}
    out: list = []
    assert _c.body_segments(parts, 0, 10, 1, "+", ":", "?", young, old, kinds, 256, 10, 0, out,
                            Segment) == (2, 20, 2)
    assert out[0].elements is out[1].elements is young["AB+1"]
    assert out[0] == Segment("AB", [["AB"], ["1"]], 10, 1) and out[1].offset == 15
    assert _c.body_segments(parts, 3, 0, 1, "+", ":", "?", young, old, kinds, 256, 10, 0, out,
                            Segment)[0] == 3  # released, not cached: the careful parser
    assert _c.body_segments(parts, 4, 0, 1, "+", ":", "?", young, old, kinds, 256, 10, 0, out,
                            Segment)[0] == 4  # empty part
    assert _c.body_segments(parts, 5, 0, 1, "+", ":", "?", young, old, kinds, 256, 1, 0, out,
                            Segment)[0] == 5  # the young generation is full: age first
    assert _c.body_segments(parts, 5, 0, 1, "+", ":", "?", young, old, kinds, 256, 10, 0, out,
                            Segment) == (7, 9, 2)
    assert young["A+B"] is old["A+B"] is out[-2].elements


def test_malformed_arguments_raise_type_error_only() -> None:
    args = (0, 0, 1, "+", ":", None, {}, {}, {"AB": 0}, 256, 10, 0, [], Segment)
    with pytest.raises(TypeError):
        _c.body_segments(None, *args)
    with pytest.raises(TypeError):
        _c.body_segments([], *args[:-1], int)
    with pytest.raises(TypeError):
        _c.body_segments([], *args[:5], 3, *args[6:])  # release neither str nor None
    out: list = []
    kinds = {"AB": 0}
    # not exact str parts, separators of other lengths, odd cache entries: stop, no crash
    assert _c.body_segments([b"AB+1", 3, "AB+1"], 0, 0, 1, "+", ":", None, {}, {}, kinds, 256,
                            10, 0, out, Segment) == (0, 0, 0)
    assert _c.body_segments(["AB+1"], 0, 0, 1, "++", ":", None, {}, {}, kinds, 256, 10, 0, out,
                            Segment) == (0, 0, 0)
    assert _c.body_segments(["AB+1"], 0, 0, 1, "+", ":", "??", {}, {}, kinds, 256, 10, 0, out,
                            Segment) == (0, 0, 0)
    for odd in (None, [], [[]], [[1]], ("AB",), [["AB"], 1]):
        res = _c.body_segments(["AB+1"], 0, 0, 1, "+", ":", None, {"AB+1": odd}, {}, kinds, 256,
                               10, 0, out, Segment)
        assert res == ((1, 5, 1) if odd == [["AB"], 1] else (0, 0, 0))
    assert _c.body_segments(["AB+1"], 0, 0, 1, "+", ":", None, {}, {}, {"AB": 0.0}, 256, 10, 0,
                            out, Segment) == (0, 0, 0)
    assert _c.body_segments(["AB+1"], -4, 0, 1, "+", ":", None, {}, {}, kinds, 256, 10, 0, out,
                            Segment) == (1, 5, 1)
    assert any(type(e) is Segment for e in chunked(GOOD, 1 << 16))  # the reader still works


# ----------------------------------------------------------------------------- block filter

@settings(max_examples=150, deadline=None)
@given(syntax_id=st.sampled_from(sorted(reader.ENCODINGS) + ["XXXX"]),
       una=st.sampled_from(["UNA:+.? '", "UNA\x1f\x1d.\x07 \x1c", "UNA\xa7\xb6.# \xa4"]),
       raw=st.binary(max_size=40))
def test_byte_filter_finds_what_the_suspect_regex_finds(syntax_id: str, una: str,
                                                        raw: bytes) -> None:
    """The reader filters whole blocks with bytes.translate(None, plain) where the regex
    ``suspect`` would search the decoded text (a byte is a character in the single-byte
    codecs; UTF-8 blocks use it only when they are ASCII)."""
    chars, reserved, _ = reader.parse_una(una.encode("latin-1"))
    sx = reader._Syntax(chars, syntax_id, reserved)
    if sx.wide and not raw.isascii():
        raw = bytes(b & 0x7F for b in raw)
    want = sx.suspect.search(raw.decode(sx.enc, "surrogateescape")) is not None
    assert bool(raw.translate(None, sx.plain)) is want


def test_c_loop_untracks_what_it_makes(monkeypatch: pytest.MonkeyPatch) -> None:
    """The C loop's segments and fresh element lists leave the cyclic collector's care at
    once (translators/_c_untrack.c would untrack them later); the twin's stay tracked until
    untrack_events, which is turned off here."""
    import gc

    from translators import gcpause
    monkeypatch.setattr(reader, "untrack_events", gcpause._keep_tracked)
    data = interchange("BGM+220+1+9\nDTM+137:1:102\nQTY+21:5:PCE\nQTY+21:6:PCE")
    native, pure = both(lambda: chunked(data, 1 << 16), monkeypatch)
    assert native == pure
    segs_c = [s for s in native if isinstance(s, Segment)]
    segs_p = [s for s in pure if isinstance(s, Segment)]
    assert len(segs_c) == 4 and not any(gc.is_tracked(s) or gc.is_tracked(s.elements)
                                        or any(map(gc.is_tracked, s.elements)) for s in segs_c)
    assert all(gc.is_tracked(s) and gc.is_tracked(s.elements) for s in segs_p)


@settings(max_examples=300, deadline=None)
@given(body=st.text(alphabet="?'\n\rA+", max_size=30))
def test_layout_counts_released_terminators_like_a_scanner(body: str) -> None:
    """_tokenize._layout against a left-to-right scanner (a release character releases the next
    character, so '??' is a released '?'): the separator to split a block on, or None."""
    released, i = 0, 0
    newline_after_released = False
    while i < len(body):
        if body[i] == "?" and i + 1 < len(body):
            if body[i + 1] == "'":
                released += 1
                newline_after_released |= body[i + 2:i + 3] in ("\r", "\n")
            i += 2
        else:
            i += 1
    real = body.count("'") - released
    want = None
    if not newline_after_released:
        for sep, lf, cr in (("'\n", real, 0), ("'\r\n", real, real), ("'\r", 0, real)):
            if body.count("\n") == lf and body.count("\r") == cr:
                want = sep if body.count(sep) == real else None
                break
    assert _tokenize._layout(body, "'", "?") == want


_BLOCK = st.text(alphabet="?'\n\rA+:é\x01", max_size=40)
#: (terminator, release): the usual ones, no release, unusual ones, a release that is a
#: terminator elsewhere, and pairs the C twin leaves to the Python one (None)
_BLOCK_CHARS = [("'", "?"), ("'", None), ("?", "'"), ("+", ":"), ("é", "A"), ("\n", "?"),
                ("'", "\r"), ("'", "'"), ("\u0416", "?"), ("'", "\u0416")]


@settings(max_examples=1500, deadline=None)
@given(text=_BLOCK, chars=st.sampled_from(_BLOCK_CHARS))
def test_split_block_twins_identical(text: str, chars: tuple) -> None:
    """split_block: the C twin gives the Python one's (lead, step, parts, leftover, clean),
    or None (wider characters, CR/LF as service characters), never anything else."""
    t, r = chars
    got = _c.split_block(text, t, r)
    want = _tokenize.split_block(text, t, r)
    if got is None:
        assert t in "\r\n\u0416" or r in ("\r", "\n", "\u0416", t)
    else:
        assert got == want
    assert _c.split_block(text + "\u0416", t, r) is None  # a wider text: the Python twin


@settings(max_examples=300, deadline=None)
@given(segments=st.lists(st.text(alphabet="A+:??'", max_size=8), max_size=12),
       nl=st.sampled_from(["", "\n", "\r\n", "\r"]), lead=st.sampled_from(["", "\n", "\r\n\n"]))
def test_split_block_of_laid_out_blocks(segments: list, nl: str, lead: str) -> None:
    """Blocks as files have them (each terminator followed by the same newline, released
    terminators inside values): both twins agree, and the C one answers."""
    text = lead + (("'" + nl).join(segments))
    got = _c.split_block(text, "'", "?")
    assert got is not None and got == _tokenize.split_block(text, "'", "?")


def test_split_block_examples() -> None:
    for fn in (_c.split_block, _tokenize.split_block):
        assert fn("A'\nB?'C'\nD", "'", "?") == (0, 2, ["A", "B?'C", "D"], 0, True)
        assert fn("\n\nA'\nB", "'", "?") == (2, 2, ["A", "B"], 0, True)
        assert fn("A'\r\nB", "'", "?") == (0, 3, ["A", "B"], 0, True)
        assert fn("A'B\n'C", "'", "?") == (0, 1, ["A", "B\n", "C"], 0, False)
        assert fn("A'B?", "'", "?") == (0, 1, ["A"], 3, True)  # the block's last is released
        assert fn("A'B??", "'", "?") == (0, 1, ["A", "B??"], 0, True)
        assert fn("A?'B'C", "'", "?") == (0, 1, ["A?'B", "C"], 0, True)
        assert fn("", "'", None) == (0, 1, [""], 0, True)
        assert fn("A''", "'", None) == (0, 1, ["A", "", ""], 0, True)


def test_split_block_malformed_arguments() -> None:
    with pytest.raises(TypeError):
        _c.split_block(b"A'B", "'", "?")
    with pytest.raises(TypeError):
        _c.split_block("A'B", "'", 3)
    assert _c.split_block("A'B", "''", "?") is None
    assert _c.split_block("A'B", "'", "??") is None
    assert _c.split_block("A'B", "'", "") is None


def test_c_loop_survives_a_key_that_mutates_the_parts() -> None:
    """A foreign cache key whose __eq__ empties the list of parts (never the reader's dicts,
    which hold str keys only): the C loop holds its own references and stops cleanly."""
    parts = ["AB+1", "AB+2", "AB+3"]

    class Evil:
        def __hash__(self) -> int:
            return hash("AB+1")

        def __eq__(self, other: object) -> bool:
            parts.clear()
            return False

    young: dict = {Evil(): [["AB"], ["x"]]}
    out: list = []
    res = _c.body_segments(parts, 0, 0, 1, "+", ":", None, young, {}, {"AB": 0}, 256, 10, 0,
                           out, Segment)
    assert res == (1, 5, 1) and parts == []
    assert out == [Segment("AB", [["AB"], ["1"]], 0, 1)]
