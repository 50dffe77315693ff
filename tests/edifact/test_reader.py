"""translators.edifact.reader: corpus quirks, chunking invariance, reader findings, fuzz."""
from __future__ import annotations

import io
import os
import pathlib
import random

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from translators.edifact.contrl import acknowledge
from translators.edifact.envelope import validate_envelope
from translators.edifact.events import (
    GroupEnd, GroupStart, InterchangeEnd, InterchangeStart, MessageEnd, MessageStart, Segment,
)
from translators.edifact.reader import MAX_PENDING, EdifactReader, iter_events
from translators.findings import ERROR, WARNING, EDIError, Finding
from translators.x12.serialize import MemoryControlNumbers

ROOT = pathlib.Path(__file__).resolve().parents[2]
CORPUS = pathlib.Path(os.environ.get("EDI_SHARED_DIR", ROOT.parent / "shared")) / "corpus"
EDIFACT_FILES = sorted(p.relative_to(CORPUS).as_posix()
                       for p in (CORPUS / "edifact").rglob("*") if p.is_file())

GOOD = (b"UNA:+.? '\nUNB+UNOC:3+SENDER:14+RECEIVER:14+240101:1200+REF1'\n"
        b"UNH+1+ORDERS:D:96A:UN'\nBGM+220+PO?+1+9'\nFTX+AAI+++O?'Brien?: 50?? off'\n"
        b"UNT+4+1'\nUNZ+1+REF1'\n")


def read(data: bytes) -> list:
    return list(iter_events(data))


def read_bytewise(data: bytes) -> list:
    r = EdifactReader()
    out = []
    for i in range(len(data)):
        out += r.feed(data[i:i + 1])
    return out + r.close()


def segments(events: list) -> list[Segment]:
    return [e for e in events if isinstance(e, Segment)]


def findings(events: list, severity: str | None = None) -> list[Finding]:
    return [e for e in events if isinstance(e, Finding)
            and (severity is None or e.severity == severity)]


def corpus(name: str) -> bytes:
    return (CORPUS / "edifact" / name).read_bytes()


# ----------------------------------------------------------------------------- corpus

@pytest.mark.parametrize("name", EDIFACT_FILES)
def test_corpus_file_reads_identically_in_any_chunking(name: str) -> None:
    data = (CORPUS / name).read_bytes()
    whole = read(data)
    assert any(isinstance(e, InterchangeStart) for e in whole)
    assert any(isinstance(e, MessageStart) for e in whole)
    assert whole == read_bytewise(data)
    assert whole == list(iter_events(data, chunk_size=7))
    assert whole == list(iter_events(io.BytesIO(data), chunk_size=1000))
    rng = random.Random(name)
    cuts = sorted(rng.sample(range(1, len(data)), min(20, len(data) - 1)))
    pieces = [data[a:b] for a, b in zip([0] + cuts, cuts + [len(data)])]
    assert whole == list(iter_events(pieces))
    # events balance: every start has its end
    starts = sum(isinstance(e, (InterchangeStart, GroupStart, MessageStart)) for e in whole)
    ends = sum(isinstance(e, (InterchangeEnd, GroupEnd, MessageEnd)) for e in whole)
    assert starts == ends


@pytest.mark.parametrize("name", EDIFACT_FILES)
def test_trailing_data_after_the_last_interchange_is_reported(name: str) -> None:
    data = (CORPUS / name).read_bytes()
    base = read(data)
    extra = read(data + b"\r\nGARBAGE AFTER THE END")
    assert extra[:len(base) - 1] == base[:len(base) - 1]
    assert findings(extra, ERROR)[-1].code in ("33", "13") or findings(extra, WARNING)


def test_staedi_non_default_una_and_improper_release() -> None:
    events = read(corpus("staedi/invoic_d97b_una.edi"))
    start = events[0]
    assert isinstance(start, InterchangeStart)
    assert (start.chars.component, start.chars.element, start.chars.segment) == ("=", "*", "~")
    assert start.receiver_id == "006415160"  # '?4' released a non-service character
    warn = findings(events, WARNING)
    assert [(f.field, f.code, f.position.segment_tag, f.position.element_position)
            for f in warn] == [("UCI0085", "22", "UNB", 3)]
    nad = [s for s in segments(events) if s.tag == "NAD"][0]
    assert nad.elements == [["NAD"], ["BY"], ["792820524", "", "16"], [""],
                            ["CUMMINS MID-RANGE ENGINE PLANT"]]


def test_staedi_wrapped_file_reads_as_if_unwrapped() -> None:
    plain = read(corpus("staedi/invoic_d97b_una.edi"))
    wrapped = read(corpus("staedi/wrapped_invoic_d97b_una.edi"))
    strip = lambda evs: [(s.tag, s.elements, s.position) for s in segments(evs)]  # noqa: E731
    assert strip(plain) == strip(wrapped)
    assert len(segments(wrapped)) == 22
    assert [e.segment_count for e in wrapped if isinstance(e, MessageEnd)] == [24]
    assert not findings(wrapped, ERROR)


def test_release_character_torture_cases() -> None:
    events = read(corpus("php-edifact/example_release_character.edi"))
    ift = [s.elements[2:] for s in segments(events) if s.tag == "IFT"]
    assert ift == [
        [["XYZCOMPANY AVAILABILITY"]], [["NO MORE FLIGHTS 1"]], [["NO MORE FLIGHTS 2?"]],
        [["NO MORE ' FLIGHTS 3"]], [["NO MORE ? FLIGHTS 3"]], [["NO MORE ?' FLIGHTS 3"]],
        [["FIELD 1"], ["FIELD 2"]], [["FIELD 1?"], ["FIELD 2"]], [["FIELD 1?+FIELD 2"]],
        [["FIELD 1.1", "FIELD 1.2"]], [["FIELD 1.1?", "FIELD 1.2"]], [["FIELD 1.1?:FIELD 1.2"]],
    ]
    assert events[0].syntax_id == "IATB"
    assert not findings(events, ERROR)


def test_released_plus_and_colon_in_values() -> None:
    events = read(corpus("edi4r/in2.edi"))
    imd = [s for s in segments(events) if s.tag == "IMD"][0]
    assert imd.elements[3] == ["", "", "", "Jeans+mehr"]
    edinet = read(corpus("edinet/edifact.ORDRSP-formatted.edi"))
    com = [s for s in segments(edinet) if s.tag == "COM"][0]
    assert com.elements[1] == ["+49 030 49202 8652", "TE"]


def test_groups_including_an_empty_one() -> None:
    events = read(corpus("edi4r/groups.edi"))
    groups = [(e.control_reference, e.message_count, e.trailer is not None)
              for e in events if isinstance(e, GroupEnd)]
    assert groups == [("1", 0, True), ("5", 1, True), ("3", 1, True)]
    end = [e for e in events if isinstance(e, InterchangeEnd)][0]
    assert end.count == 3 and end.trailer is not None
    assert events[0].syntax_id == "UNOB" and events[0].sender_id == "sender"
    assert not findings(events)


def test_bare_message_file_synthesizes_an_interchange() -> None:
    events = read(corpus("edifact-rs/d96a_orders_conforming.edi"))
    start, end = events[0], events[-1]
    assert isinstance(start, InterchangeStart) and start.unb is None and start.una
    assert isinstance(end, InterchangeEnd) and end.trailer is None and end.count == 1
    assert [s.position for s in segments(events)] == [2, 3, 4, 5, 6]
    assert not findings(events)


def test_segment_before_unh_in_a_bare_file() -> None:
    events = read(corpus("edifact-rs/d96a_orders_malformed.edi"))
    (f,) = findings(events)
    assert (f.field, f.code, f.position.segment_tag, f.position.offset) == ("UCI0085", "33",
                                                                            "BGM", 10)
    assert [e.segment_count for e in events if isinstance(e, MessageEnd)] == [4]


@pytest.mark.parametrize("name,expected", [
    ("edireader/ORDERS-D01B-UNOE.edi", "Лорем ипсу"),
    ("edireader/ORDERS-D01B-UNOD.edi", "Lorem ipsu"),
])
def test_iso_8859_character_sets_decode(name: str, expected: str) -> None:
    events = read(corpus(name))
    bgm = [s for s in segments(events) if s.tag == "BGM"][0]
    assert bgm.elements[1][3] == expected
    assert not findings(events)


def test_unoe_cyrillic_name_and_unoc_latin1() -> None:
    tiny = read(corpus("edireader/tiny-UNOE.edi"))
    nad = [s for s in segments(tiny) if s.tag == "NAD"][0]
    assert nad.elements[4] == ["АЛЕКСАНДР"] or all("\u0400" <= ch <= "\u04ff" or ch == " "
                                                   for ch in nad.elements[4][0])
    assert tiny[0].encoding == "iso8859-5"
    unoc = read(corpus("edireader/ORDERS-D01B-UNOC.edi"))
    assert unoc[0].encoding == "latin-1"
    assert "é" in "".join(c for s in segments(unoc) for el in s.elements for c in el)


def test_utf8_bytes_in_unoc_decoded_as_declared_with_one_warning() -> None:
    events = read(corpus("php-edifact/example_utf8.edi"))
    imd = [s for s in segments(events) if s.tag == "IMD"]
    assert imd[0].elements[3][3] == "MUNCI\u00c3\x8b THE MIDDLE"  # 'Ë' (C3 8B) read as latin-1
    (w,) = findings(events)
    assert w.severity == WARNING and w.code == "21" and w.position.segment_position == 11
    lin = read(corpus("oca-edi/test_orders_-_no_ean_in_LIN_segments.txt"))
    assert len(findings(lin, WARNING)) == 1 and not findings(lin, ERROR)


def test_lowercase_in_unoa_is_one_warning() -> None:
    events = read(corpus("oca-edi/Retail_EDIFACT_ORDERS_sample1.txt"))
    (w,) = findings(events)
    assert (w.severity, w.code, w.position.segment_tag) == (WARNING, "21", "NAD")
    assert events[0].syntax_id == "UNOA" and events[0].una is False


def test_two_interchanges_in_one_file_with_crlf_and_lf() -> None:
    events = read(corpus("bots-plugins/0T0000000004.edi"))
    starts = [e for e in events if isinstance(e, InterchangeStart)]
    assert [s.control_reference for s in starts] == ["T0000000004-1", "T0000000004-2"]
    assert [s.offset for s in starts] == [0, 491]
    assert [e.reference for e in events if isinstance(e, MessageStart)] == [
        "T0000000004-1", "T0000000004-2", "T0000000004-3"]
    assert not findings(events)


def test_bom_and_formatted_file_offsets() -> None:
    data = corpus("edinet/edifact.ORDRSP-formatted.edi")
    events = read(data)
    assert events[0].offset == 13 and data[13:16] == b"UNB"
    for s in segments(events):
        assert data[s.offset:s.offset + 3] == s.tag.encode()


def test_missing_unz_leaves_trailer_none() -> None:
    events = read(corpus("pydifact/order.edi"))
    end = events[-1]
    assert isinstance(end, InterchangeEnd) and end.trailer is None and end.count == 1
    assert events[0].chars.decimal == ","


def test_improper_release_in_example_order_error() -> None:
    events = read(corpus("php-edifact/example_order_error.edi"))
    w = [f for f in findings(events) if f.code == "22"]
    assert [(f.field, f.position.segment_position, f.position.segment_tag,
             f.position.element_position, f.position.component_position) for f in w] == [
        ("UCD0085", 83, "IMD", 3, 4)]
    assert not findings(events, ERROR)
    # the unreleased ':' leaves seven components for the validator to reject (C273 has six)
    imd = [s for s in segments(events) if s.tag == "IMD" and "Konzentrat ohne" in str(s.elements)]
    assert len(imd[0].elements[3]) == 7


# ----------------------------------------------------------------------------- synthetic

def test_values_are_released() -> None:
    events = read(GOOD)
    seg = segments(events)
    assert seg[0].elements == [["BGM"], ["220"], ["PO+1"], ["9"]]
    assert seg[1].elements[4] == ["O'Brien: 50? off"]
    assert not findings(events)


def test_level_b_information_separators() -> None:
    data = (b"UNB\x1dUNOB\x1f3\x1dS\x1dR\x1d240101\x1f1200\x1dX\x1c"
            b"UNH\x1d1\x1dORDERS\x1fD\x1f96A\x1fUN\x1cBGM\x1d220\x1dpo 1\x1c"
            b"UNT\x1d3\x1d1\x1cUNZ\x1d1\x1dX\x1c")
    events = read(data)
    assert events[0].chars.element == "\x1d" and events[0].chars.release is None
    assert segments(events)[0].elements == [["BGM"], ["220"], ["po 1"]]
    assert not findings(events)
    assert events == read_bytewise(data)


def test_syntax4_repetition_separator() -> None:
    data = (b"UNB+UNOW:4+S+R+20240101:1200+X'UNH+1+ORDERS:D:01B:UN'"
            b"FTX+AAI+++A:B*C:D*E'UNT+3+1'UNZ+1+X'")
    events = read(data)
    ftx = segments(events)[0]
    assert ftx.elements[4] == ["A", "B"]
    assert ftx.repeats == {4: [["A", "B"], ["C", "D"], ["E"]]}
    assert events[0].chars.repetition == "*"
    assert read_bytewise(data) == events


def test_una_with_space_release_means_no_release() -> None:
    data = b"UNA:+.  'UNB+UNOC:3+S+R+240101:1200+X'UNH+1+ORDERS:D:96A:UN'FTX+A?B'UNT+3+1'UNZ+1+X'"
    events = read(data)
    assert events[0].chars.release is None
    assert segments(events)[0].elements[1] == ["A?B"]


def test_utf8_unow_offsets_are_byte_offsets() -> None:
    data = ("UNB+UNOW:4+S+R+20240101:1200+X'\nUNH+1+ORDERS:D:01B:UN'\n"
            "NAD+BY+++Ærøskøbing ÅÄÖ'\nFTX+AAI+++中文'\nUNT+4+1'\nUNZ+1+X'\n").encode()
    events = read(data)
    for s in segments(events):
        assert data[s.offset:s.offset + 3] == s.tag.encode()
    assert segments(events)[1].elements[4] == ["中文"]
    assert read_bytewise(data) == events
    assert not findings(events)


def test_invalid_utf8_and_control_characters_are_errors() -> None:
    data = (b"UNB+UNOW:4+S+R+20240101:1200+X'UNH+1+ORDERS:D:01B:UN'"
            b"NAD+BY+++AB\xff'FTX+AAI+++A\x01B'UNT+4+1'UNZ+1+X'")
    errs = findings(read(data), ERROR)
    assert [(f.field, f.code, f.position.segment_position, f.position.element_position)
            for f in errs] == [("UCD0085", "21", 2, 4), ("UCD0085", "21", 3, 4)]


def test_unoa_rejects_characters_outside_level_a() -> None:
    data = b"UNB+UNOA:3+S+R+240101:1200+X'UNH+1+ORDERS:D:96A:UN'FTX+AAI+++MAIL@X'UNT+3+1'UNZ+1+X'"
    (f,) = findings(read(data))
    assert (f.severity, f.code, f.position.bad_value) == (ERROR, "21", "MAIL@X")


def test_unreleased_terminator_makes_a_malformed_segment() -> None:
    data = (b"UNB+UNOC:3+S+R+240101:1200+X'UNH+1+ORDERS:D:96A:UN'"
            b"FTX+AAI+++O'brien said'UNT+4+1'UNZ+1+X'")
    events = read(data)
    (f,) = findings(events)
    assert (f.field, f.code, f.position.segment_position) == ("UCS0085", "12", 3)
    assert "not a segment tag" in f.message
    assert [e.segment_count for e in events if isinstance(e, MessageEnd)] == [4]


def test_data_outside_interchanges_and_unh_after_unz() -> None:
    data = (b"JUNK'UNB+UNOC:3+S+R+240101:1200+X'UNH+1+ORDERS:D:96A:UN'UNT+2+1'UNZ+1+X'"
            b"UNH+2+ORDERS:D:96A:UN'UNT+2+2'")
    events = read(data)
    f = findings(events)
    assert [(x.code, x.position.segment_tag, x.position.offset) for x in f] == [
        ("33", None, 0), ("33", "UNH", 72)]
    assert sum(isinstance(e, InterchangeStart) for e in events) == 2
    assert events == read_bytewise(data)


def test_una_too_short_and_invalid_una() -> None:
    (f,) = findings(read(b"UNA:+"))
    assert (f.code, f.position.segment_tag) == ("13", "UNA")
    events = read(b"UNA::.? 'UNB+UNOC:3+S+R+240101:1200+X'UNZ+0+X'")
    assert findings(events)[0].code == "20"
    assert events[1].chars.element == "+"  # defaults used


def test_truncated_input_and_missing_terminator() -> None:
    data = GOOD[:GOOD.index(b"UNT")]
    events = read(data)
    assert isinstance(events[-2], MessageEnd) and events[-2].trailer is None
    assert isinstance(events[-1], InterchangeEnd) and events[-1].trailer is None
    no_final = GOOD.rstrip(b"\n")[:-1]
    ev2 = read(no_final)
    assert ev2[-1].trailer is not None
    assert [f.severity for f in findings(ev2)] == [WARNING]


def test_binary_data_is_reported_not_raised() -> None:
    data = bytes(range(256)) * 4
    events = read(data)
    assert findings(events) and all(isinstance(e, Finding) for e in events)


def test_no_terminator_for_too_long_is_skipped_deterministically() -> None:
    r1 = EdifactReader()
    data = b"UNB+UNOC:3+S+R+240101:1200+X'" + b"A" * (MAX_PENDING + 10)
    out = r1.feed(data) + r1.close()
    assert any(isinstance(e, Finding) and "no segment terminator" in e.message for e in out)


def test_feed_after_close_raises_our_error() -> None:
    r = EdifactReader()
    r.close()
    with pytest.raises(EDIError):
        r.feed(b"x")


def test_memory_does_not_grow_with_input() -> None:
    import tracemalloc
    msg = b"UNH+1+ORDERS:D:96A:UN'" + b"FTX+AAI+++" + b"X" * 60 + b"'" * 1 + b"UNT+3+1'"
    r = EdifactReader()
    r.feed(b"UNB+UNOC:3+S+R+240101:1200+X'")
    tracemalloc.start()
    for _ in range(3000):
        r.feed(msg * 10)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert peak < 2_000_000  # 3000 * 10 messages (~2.7 MB) streamed


# ----------------------------------------------------------------------------- fuzz

SEEDS = [corpus_name for corpus_name in EDIFACT_FILES if (CORPUS / corpus_name).stat().st_size < 4000]


def _mutate(data: bytes, edits: list[tuple[int, int, int]]) -> bytes:
    buf = bytearray(data)
    for kind, pos, value in edits:
        if not buf:
            break
        i = pos % len(buf)
        if kind == 0:
            buf[i] = value
        elif kind == 1:
            del buf[i]
        elif kind == 2:
            buf.insert(i, value)
        else:
            buf[i:i] = bytes(buf[i:i + 8])
    return bytes(buf)


EDIT = st.tuples(st.integers(0, 3), st.integers(0, 10_000),
                 st.sampled_from(list(b"'+:?*\r\n\x00\xc3UNAB ") + [0x1c, 0x1d, 0x1f, 0xff]))


def _check(data: bytes) -> None:
    whole = read(data)
    assert whole == read_bytewise(data)
    starts = sum(isinstance(e, (InterchangeStart, GroupStart, MessageStart)) for e in whole)
    ends = sum(isinstance(e, (InterchangeEnd, GroupEnd, MessageEnd)) for e in whole)
    assert starts == ends
    # the rest of the pipeline copes with whatever the reader made of it
    events = list(validate_envelope(iter(whole)))
    for result in acknowledge(events, counter=MemoryControlNumbers()):
        if result.text is not None:
            list(iter_events(result.encode()))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(SEEDS), st.lists(EDIT, min_size=1, max_size=6))
def test_fuzz_mutated_corpus_files(name: str, edits: list) -> None:
    _check(_mutate((CORPUS / name).read_bytes(), edits))


@pytest.mark.slow
@settings(max_examples=2000, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(SEEDS), st.lists(EDIT, min_size=1, max_size=20))
def test_fuzz_mutated_corpus_files_long(name: str, edits: list) -> None:
    _check(_mutate((CORPUS / name).read_bytes(), edits))
