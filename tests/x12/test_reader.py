"""translators.x12.reader: chunking invariance, corpus quirks, reader findings, fuzz."""
from __future__ import annotations

import io
import os
import pathlib
from typing import Optional

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from translators.findings import ERROR, WARNING, Finding
from translators.x12.envelope import validate_envelope
from translators.x12.events import (
    GroupEnd, GroupStart, InterchangeEnd, InterchangeStart, Segment, TransactionEnd,
    TransactionStart,
)
from translators.x12.reader import X12Reader, iter_events

ROOT = pathlib.Path(__file__).resolve().parents[2]
# same rule as tests/conftest.py (needed at collection time for parametrize)
CORPUS = pathlib.Path(os.environ.get("EDI_SHARED_DIR", ROOT.parent / "shared")) / "corpus"

ISA = (b"ISA*00*          *00*          *ZZ*SENDER         *ZZ*RECEIVER       *261127*0930*"
       b"U*00401*000000001*0*P*>~\n")
BODY = (b"GS*PO*S*R*20261127*0930*1*X*004010~\nST*850*0001~\nBEG*00*SA*PO1**20261127~\n"
        b"PO1*1*2*EA*3.5**BP*X~\nSE*4*0001~\nGE*1*1~\nIEA*1*000000001~\n")
GOOD = ISA + BODY

EVENT_TYPES = (InterchangeStart, InterchangeEnd, GroupStart, GroupEnd, TransactionStart,
               TransactionEnd, Segment, Finding)


def read(data: bytes, cuts: Optional[list[int]] = None, **kw) -> list:
    """Events of data fed whole (cuts None) or cut at the given offsets."""
    reader = X12Reader(**kw)
    events: list = []
    if cuts is None:
        events += reader.feed(data)
    else:
        last = 0
        for cut in sorted(set(cuts)) + [len(data)]:
            events += reader.feed(data[last:cut])
            last = cut
    return events + reader.close()


def bytewise(data: bytes, **kw) -> list:
    reader = X12Reader(**kw)
    events: list = []
    for i in range(len(data)):
        events += reader.feed(data[i:i + 1])
    return events + reader.close()


def of(events: list, kind: type) -> list:
    return [e for e in events if type(e) is kind]


def findings(events: list, field: Optional[str] = None, severity: Optional[str] = None) -> list:
    return [(f.field, f.code) for f in of(events, Finding)
            if (field is None or f.field == field) and (severity is None or f.severity == severity)]


def assert_balanced(events: list) -> None:
    """Every Start has its End, properly nested."""
    stack: list[str] = []
    pairs = {InterchangeEnd: "I", GroupEnd: "G", TransactionEnd: "T"}
    for e in events:
        assert isinstance(e, EVENT_TYPES), e
        if type(e) is InterchangeStart:
            assert not stack
            stack.append("I")
        elif type(e) is GroupStart:
            assert stack == ["I"]
            stack.append("G")
        elif type(e) is TransactionStart:
            assert stack == ["I", "G"]
            stack.append("T")
        elif type(e) in pairs:
            assert stack and stack.pop() == pairs[type(e)]
    assert not stack


def corpus_files() -> list[pathlib.Path]:
    rows = (CORPUS / "MANIFEST.tsv").read_text().splitlines()[1:]
    return [CORPUS / r.split("\t")[0] for r in rows if r.startswith("x12/")]


def corpus(name: str) -> bytes:
    return (CORPUS / "x12" / name).read_bytes()


# --------------------------------------------------------------- chunking
def test_good_interchange_events() -> None:
    ev = read(GOOD)
    kinds = [type(e).__name__ for e in ev]
    assert kinds == ["InterchangeStart", "GroupStart", "TransactionStart", "Segment", "Segment",
                     "TransactionEnd", "GroupEnd", "InterchangeEnd"]
    start = ev[0]
    assert start.control_number == "000000001" and start.sender_id == "SENDER"
    assert start.delimiters.segment == "~" and start.delimiters.suffix == "\n"
    assert start.delimiters.component == ">" and start.delimiters.repetition is None
    beg, po1 = of(ev, Segment)
    assert beg.position == 2 and po1.position == 3
    assert GOOD[beg.offset:beg.offset + 3] == b"BEG" and GOOD[po1.offset:po1.offset + 3] == b"PO1"
    assert po1.elements[1] == "1" and po1.elements[7] == "X"
    se = of(ev, TransactionEnd)[0]
    assert se.segment_count == 4 and se.trailer.position == 4
    assert of(ev, GroupEnd)[0].transaction_count == 1
    assert of(ev, InterchangeEnd)[0].group_count == 1


@pytest.mark.parametrize("path", corpus_files(), ids=lambda p: p.name)
def test_corpus_chunking_invariance(path: pathlib.Path) -> None:
    data = path.read_bytes()
    whole = read(data)
    assert whole == bytewise(data)
    assert whole == read(data, list(range(0, len(data), 7)))
    assert whole == read(data, list(range(0, len(data), 64)))
    assert_balanced(whole)
    # trailing whitespace changes nothing; trailing junk adds one finding at the end
    assert read(data + b"\r\n\n  \n") == whole
    junk = read(data + b"\nTRAILING JUNK")
    if type(whole[-1]) is InterchangeEnd and whole[-1].trailer is not None:
        assert junk[:len(whole)] == whole
        assert findings(junk[len(whole):]) == [("TA105", "024")]
    assert list(iter_events(data, chunk_size=5)) == whole
    assert list(iter_events(io.BytesIO(data))) == whole
    assert list(iter_events([data[:10], data[10:]])) == whole
    checked = list(validate_envelope(whole))
    assert [e for e in checked if type(e) is not Finding] == \
        [e for e in whole if type(e) is not Finding]


# ------------------------------------------------------------ corpus quirks
def test_newline_terminator_short_isa06() -> None:
    ev = read(corpus("stupidedi/004010_FA997_pass_1.edi"))
    start = ev[0]
    assert start.delimiters.segment == "\n" and start.delimiters.component == "`"
    assert start.sender_id == "XXXXXX" and len(start.isa.elements[6]) == 12
    assert [s.tag for s in of(ev, Segment)] == ["AK1", "AK2", "AK5", "AK9"]
    checked = list(validate_envelope(ev))
    assert findings(checked, severity=ERROR) == []
    assert findings(checked, severity=WARNING) == [("TA105", "006")]


def test_isa08_16_wide_and_tilde_lf() -> None:
    ev = read(corpus("stupidedi/004010_PO850_pass_1.edi"))
    start = ev[0]
    assert start.delimiters.segment == "~" and start.delimiters.suffix == "\n"
    assert len(start.isa.elements[8]) == 16
    assert findings(list(validate_envelope(ev)), severity=WARNING) == [("TA105", "008")]


def test_isa_split_across_lines_is_reported_per_field() -> None:
    ev = read(corpus("stupidedi/004010_PR855_fail_2.edi"))
    assert ("TA105", "015") in findings(ev)  # ISA10 swallowed the newline terminator
    assert of(ev, InterchangeStart)[0].control_number == "702351422"
    assert len(of(ev, TransactionStart)) == 1


def test_dollar_terminator_merges_segments() -> None:
    ev = read(corpus("stupidedi/004010_SH856_fail_2.edi"))
    assert ev[0].delimiters.segment == "$" and ev[0].delimiters.component == "{"
    end = of(ev, TransactionEnd)[0]
    assert end.segment_count == 22 and end.trailer.elements[1] == "25"
    assert ("AK502", "4") in findings(list(validate_envelope(ev)))


def test_several_segments_per_line_crlf() -> None:
    ev = read(corpus("stupidedi/004010_X357_SC850_pass_basic-po.edi"))
    assert ev[0].delimiters.suffix == "\r\n"
    assert [s.tag for s in of(ev, Segment)] == ["BEG", "N1", "N3", "N4", "PO1", "IT8", "CTT",
                                               "AMT"]
    assert findings(list(validate_envelope(ev))) == []


def test_bom_one_line_5010() -> None:
    data = corpus("stupidedi/005010_X230_FA997_pass_response-to-837s.edi")
    ev = read(data)
    start = ev[0]
    assert start.offset == 3 and start.encoding == "utf-8"
    assert start.delimiters.repetition == ">" and start.delimiters.component == ":"
    assert start.delimiters.suffix == ""
    assert findings(list(validate_envelope(ev))) == []


def test_lf_terminator_without_tilde() -> None:
    ev = read(corpus("node-x12/850_2.edi"))
    assert ev[0].delimiters.segment == "\n"
    assert of(ev, TransactionEnd)[0].trailer is not None
    assert findings(list(validate_envelope(ev))) == []


def test_two_interchanges_duplicate_control_number() -> None:
    ev = list(validate_envelope(read(corpus("node-x12/850_fat.edi"))))
    assert len(of(ev, InterchangeStart)) == 2
    assert findings(ev) == [("TA105", "025")]


def test_version_00406_repetition_rule() -> None:
    ev = read(corpus("node-x12/856.edi"))
    assert ev[0].version == "00406" and ev[0].delimiters.repetition is None
    assert findings(list(validate_envelope(ev))) == []


def test_staedi_repetition_and_multiple_interchanges() -> None:
    ev = read(corpus("staedi/simple997-multiple-interchanges.edi"))
    starts = of(ev, InterchangeStart)
    assert len(starts) == 3 and all(s.delimiters.repetition == "^" for s in starts)
    assert len(of(ev, InterchangeEnd)) == 3


def test_isb_ise_between_isa_and_gs() -> None:
    ev = read(corpus("staedi/optionalInterchangeServices.edi"))
    before_gs = ev[1:ev.index(of(ev, GroupStart)[0])]
    assert [(s.tag, s.position) for s in before_gs] == [("ISB", 0), ("ISE", 0)]
    assert findings(list(validate_envelope(ev))) == []


def test_two_groups_old_version_date() -> None:
    ev = list(validate_envelope(read(corpus("staedi/invoice810_po850_dual.edi"))))
    assert [g.version for g in of(ev, GroupStart)] == ["004010", "003010"]
    assert findings(ev) == []


def test_ta1_only_interchange() -> None:
    ev = list(validate_envelope(read(corpus("staedi/x12_interchange_ack.txt"))))
    assert [(s.tag, s.position) for s in of(ev, Segment)] == [("TA1", 0)]
    assert findings(ev) == [("TA105", "021")]


def test_nbsp_padded_isa_with_bom() -> None:
    for name in ("edinet/x12.850.edi", "edinet/x12.850a.edi"):
        ev = read(corpus(name))
        start = ev[0]
        assert start.encoding == "utf-8" and start.offset == 3
        assert start.sender_id == "000123456"
        assert "\xa0" in start.isa.elements[6]
        assert ("TA105", "001") in findings(list(validate_envelope(ev)))
        assert of(ev, Segment)[0].tag == "BEG"


def test_tilde_isa16_with_newline_terminator() -> None:
    ev = read(corpus("edinet/x12.850.issue135.edi"))
    start = ev[0]
    assert start.delimiters.segment == "\n" and start.delimiters.component == "~"
    assert findings(ev, severity=WARNING) == [("TA105", "027")]
    assert of(ev, GroupStart)[0].version == "004010"
    assert all(not s.elements[-1].endswith("~") for s in of(ev, Segment))
    ends = of(ev, TransactionEnd)
    assert [e.segment_count for e in ends] == [87, 95]
    checked = list(validate_envelope(ev))
    assert findings(checked, severity=ERROR) == [("AK502", "23")]  # both sets are ST02 0001


def test_gozer_defects() -> None:
    assert ("TA105", "001") in findings(list(validate_envelope(read(corpus("gozer/asn856.txt")))))
    po = list(validate_envelope(read(corpus("gozer/po850.txt"))))
    assert findings(po) == [("AK502", "4")]
    assert of(po, TransactionEnd)[0].segment_count == 21


def test_missing_isa() -> None:
    ev = read(corpus("gozer/x12.missing.ISA.txt"))
    assert not of(ev, InterchangeStart)
    [f] = of(ev, Finding)
    assert (f.field, f.code, f.position.offset) == ("TA105", "024", 0)
    assert "GS segment outside an interchange" in f.message
    assert f.position.bad_value.startswith("GS*SH*")


def test_wrong_isa_tag() -> None:
    ev = read(corpus("gozer/x12.wrong.ISA.txt"))
    assert not of(ev, InterchangeStart) and findings(ev) == [("TA105", "024")]


def test_wrong_gs_tag() -> None:
    ev = list(validate_envelope(read(corpus("gozer/x12.wrong.GS.txt"))))
    assert findings(ev)[:2] == [("TA105", "024"), ("AK304", "1")]
    stray = [s for s in of(ev, Segment) if s.position == 0]
    assert [s.tag for s in stray][:2] == ["XX", "ST"]
    assert ("TA105", "021") in findings(ev)  # IEA01 2, one group read
    assert len(of(ev, GroupStart)) == 1


def test_no_segment_terminator() -> None:
    ev = read(corpus("gozer/x12.no.line.break.no.delim.txt"))
    assert [type(e).__name__ for e in ev] == ["InterchangeStart", "Finding", "InterchangeEnd"]
    assert (ev[1].field, ev[1].code) == ("TA105", "004")
    assert ev[2].trailer is None


def test_multibyte_utf8_terminator() -> None:
    ev = read(corpus("gozer/x12.base.no.line.breaks.odd.char.txt"))
    start = ev[0]
    assert start.delimiters.segment == "\u00d6" and start.encoding == "utf-8"
    assert len(of(ev, GroupStart)) == 2
    assert [t.set_id for t in of(ev, TransactionStart)] == ["AAA", "BBB", "YYZ", "AAA"]
    assert ("AK304", "1") in findings(ev)  # TEST is a 4-character tag
    assert of(ev, InterchangeEnd)[0].trailer.elements == ["IEA", "2", "000000049"]


def test_control_character_terminators() -> None:
    ev = read(corpus("bots-plugins/997-004010VICS-01.x12"))
    assert ev[0].delimiters.segment == "\x15"
    assert [s.tag for s in of(ev, Segment)] == ["AK1", "AK2", "AK5", "AK9"]
    mail = read(corpus("bots-plugins/simplemailbag.x12"))
    assert mail[0].delimiters.segment == "\x15" and mail[0].delimiters.suffix == "\r\n"
    assert findings(list(validate_envelope(mail))) == []


def test_ebcdic() -> None:
    ev = read(corpus("bots-plugins/ebcdic.x12"))
    start = ev[0]
    assert start.encoding == "cp037" and start.delimiters.segment == "\x85"
    assert start.sender_id == "1234567890"
    assert of(ev, GroupStart)[0].functional_id == "PO"
    assert [s.tag for s in of(ev, Segment)][:3] == ["BEG", "N1", "PO1"]
    assert of(ev, InterchangeEnd)[0].trailer is not None
    assert findings(list(validate_envelope(ev))) == []


def test_ta1_before_group() -> None:
    ev = read(corpus("bots-plugins/testx12002.x12.base"))
    assert ev[0].ack_requested is True
    assert (ev[1].tag, ev[1].position) == ("TA1", 0)
    assert findings(list(validate_envelope(ev))) == []


# ------------------------------------------------------- synthetic defects
def test_truncated_file_closes_everything() -> None:
    ev = list(validate_envelope(read(GOOD[:170])))
    assert_balanced(ev)
    assert of(ev, TransactionEnd)[0].trailer is None
    assert of(ev, GroupEnd)[0].trailer is None and of(ev, InterchangeEnd)[0].trailer is None
    assert findings(ev) == [("TA105", "023"), ("AK502", "2"), ("AK905", "3"), ("TA105", "023")]
    assert of(ev, Finding)[0].severity == WARNING  # last segment without terminator


def test_new_isa_before_iea_with_other_delimiters() -> None:
    other = (ISA + BODY).replace(b"*", b"|").replace(b"~", b"!")
    data = ISA + b"GS*PO*S*R*20261127*0930*1*X*004010~\nST*850*0001~\nBEG*00~" + other
    ev = read(data)
    assert ev == bytewise(data)
    assert_balanced(ev)
    starts = of(ev, InterchangeStart)
    assert [s.delimiters.element for s in starts] == ["*", "|"]
    assert starts[1].offset == data.index(b"ISA|")
    assert of(ev, InterchangeEnd)[0].trailer is None
    assert of(ev, InterchangeEnd)[1].trailer is not None


def test_garbage_between_interchanges() -> None:
    data = b"junk\n" + GOOD + b"more junk\n" + GOOD + b"VISA*00*"
    ev = read(data)
    assert ev == bytewise(data)
    assert len(of(ev, InterchangeStart)) == 2  # 'VISA*' is no ISA
    junk = of(ev, Finding)
    assert [(f.code, f.position.offset) for f in junk] == [
        ("024", 0), ("024", 5 + len(GOOD)), ("024", len(data) - 8)]
    assert junk[1].position.bad_value == "more junk\n"


def test_invalid_tag_nul_and_non_ascii() -> None:
    data = GOOD.replace(b"BEG*", b"beG*").replace(b"PO1*1", "PÖ1*1".encode())
    ev = read(data)
    assert findings(ev) == [("AK304", "1"), ("AK304", "1")]
    assert [s.tag for s in of(ev, Segment)] == ["beG", "PÖ1"]
    assert of(ev, Finding)[1].position.segment_position == 3
    nul = read(GOOD.replace(b"SA*PO1", b"SA*P\x00O1"))
    assert ("TA105", "024") in findings(nul)


def test_utf8_and_latin1_element_text() -> None:
    utf8 = read(GOOD.replace(b"BP*X", "BP*Müller".encode()))
    assert of(utf8, Segment)[1].elements[7] == "Müller"
    latin = read(GOOD.replace(b"BP*X", "BP*Müller".encode("latin-1")))
    assert of(latin, Segment)[1].elements[7] == "Müller"
    po1 = of(utf8, Segment)[1]
    assert GOOD.replace(b"BP*X", "BP*Müller".encode())[po1.offset:].startswith(b"PO1")


def test_overlong_segment_is_skipped_the_same_way_in_chunks() -> None:
    data = GOOD.replace(b"PO1*1*2*EA*3.5**BP*X", b"PO1*" + b"x" * 300)
    ev = read(data, max_segment_length=100)
    assert ev == bytewise(data, max_segment_length=100)
    assert findings(ev) == [("TA105", "024")]
    assert [s.tag for s in of(ev, Segment)] == ["BEG"]
    unterminated = read(ISA + b"GS*PO*S*R*20261127*0930*1*X*004010~" + b"x" * 500,
                        max_segment_length=100)
    assert findings(unterminated) == [("TA105", "024")]
    assert_balanced(unterminated)


def test_multibyte_terminator_with_overlong_segment_any_cut() -> None:
    data = corpus("gozer/x12.base.no.line.breaks.odd.char.txt")
    whole = read(data, max_segment_length=50)  # the GS segments are 52 bytes
    messages = [f.message.split(" ")[0] for f in of(whole, Finding) if f.code == "024"]
    assert messages == ["segment", "segment", "segment"]  # too long, stray run, too long
    assert not of(whole, GroupStart) and not of(whole, TransactionStart)
    assert of(whole, InterchangeEnd)[0].trailer is not None
    for cut in range(1, len(data), 3):
        assert read(data, [cut], max_segment_length=50) == whole
        assert read(data, [cut, cut + 1], max_segment_length=50) == whole


def test_overlong_new_isa_restarts_like_in_chunks() -> None:
    data = ISA + b"GS*PO*S*R*20261127*0930*1*X*004010~\n" + GOOD
    whole = read(data, max_segment_length=50)
    assert whole == bytewise(data, max_segment_length=50)
    assert len(of(whole, InterchangeStart)) == 2


def test_multibyte_utf8_element_and_component_separators() -> None:
    text = GOOD.decode().replace("*", "\u00a7").replace(">", "\u00a4")
    data = text.replace("SA\u00a7PO1", "SA\u00a7P\u00d61").encode()
    ev = read(data)
    assert ev == bytewise(data)
    start = ev[0]
    assert (start.delimiters.element, start.delimiters.component) == ("\u00a7", "\u00a4")
    assert start.encoding == "utf-8"
    assert of(ev, Segment)[0].elements == ["BEG", "00", "SA", "P\u00d61", "", "20261127"]
    assert findings(list(validate_envelope(ev))) == []


def test_stray_segments_one_finding_per_run() -> None:
    data = ISA + b"ZZZ*1~\nYYY*2~\n" + BODY
    ev = read(data)
    assert findings(ev) == [("TA105", "024")]
    assert [(s.tag, s.position) for s in of(ev, Segment)][:2] == [("ZZZ", 0), ("YYY", 0)]


def test_line_endings() -> None:
    crlf = read(GOOD.replace(b"~\n", b"~\r\n"))
    assert crlf[0].delimiters.suffix == "\r\n"
    lf_only = read(GOOD.replace(b"~\n", b"\r\n"))
    assert lf_only[0].delimiters.segment == "\r"
    assert [s.elements for s in of(lf_only, Segment)] == [s.elements for s in of(crlf, Segment)]
    tabs = read(GOOD.replace(b"\nST", b"\n\tST").replace(b"\nBEG", b"\n\t\tBEG"))
    assert of(tabs, Segment)[0].tag == "BEG" and findings(tabs) == []


def test_empty_and_binary_input() -> None:
    assert findings(read(b"")) == [("TA105", "024")]
    binary = read(b"\x00\x01\x02PK\x03\x04" * 100)
    [f] = of(binary, Finding)
    assert f.code == "024" and "binary" in f.message


def test_short_isa_before_newline() -> None:
    data = ISA.replace(b"*P*>~\n", b"*P\n") + BODY.replace(b"~\n", b"\n")
    ev = read(data)
    assert ev == bytewise(data)
    assert ("TA105", "020") in findings(ev) or ("TA105", "027") in findings(ev)
    assert len(of(ev, TransactionStart)) == 1


def test_reader_ignores_input_after_close() -> None:
    reader = X12Reader()
    assert len(reader.feed(GOOD)) == 8
    assert reader.close() == []
    assert reader.feed(GOOD) == [] and reader.close() == []


# ------------------------------------------------------------------- fuzz
def _corpus_bytes() -> list[bytes]:
    return [p.read_bytes() for p in corpus_files()] + [GOOD]


_MUTATION = st.tuples(st.sampled_from(["replace", "insert", "delete", "truncate"]),
                      st.integers(min_value=0, max_value=1 << 16),
                      st.sampled_from(list(b"*~\n\r:^>ISAGSTEIE0123456789\x00\xc3\x96\xff\x15 |")))


def _mutate(data: bytes, mutations: list) -> bytes:
    buf = bytearray(data)
    for op, where, byte in mutations:
        if not buf:
            break
        i = where % len(buf)
        if op == "replace":
            buf[i] = byte
        elif op == "insert":
            buf.insert(i, byte)
        elif op == "delete":
            del buf[i]
        else:
            del buf[i:]
    return bytes(buf)


def _check_mutant(data: bytes, cuts: list[int]) -> None:
    whole = read(data)
    assert read(data, [c % (len(data) + 1) for c in cuts]) == whole
    assert_balanced(whole)
    checked = list(validate_envelope(whole))
    assert all(isinstance(e, EVENT_TYPES) for e in checked)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(_corpus_bytes()), st.lists(_MUTATION, max_size=6),
       st.lists(st.integers(min_value=0, max_value=1 << 16), max_size=8))
def test_fuzz_mutated_corpus(data: bytes, mutations: list, cuts: list[int]) -> None:
    _check_mutant(_mutate(data, mutations), cuts)


@settings(max_examples=60, deadline=None)
@given(st.sampled_from([b"", ISA, ISA[:60], GOOD[:140], b"\xc9\xe2\xc1\x5c"]),
       st.binary(max_size=300), st.lists(st.integers(min_value=0, max_value=700), max_size=6))
def test_fuzz_random_bytes(prefix: bytes, noise: bytes, cuts: list[int]) -> None:
    _check_mutant(prefix + noise, cuts)


@settings(max_examples=3000, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(_corpus_bytes()), st.lists(_MUTATION, max_size=20),
       st.lists(st.integers(min_value=0, max_value=1 << 16), max_size=20))
def _long_fuzz(data: bytes, mutations: list, cuts: list[int]) -> None:
    _check_mutant(_mutate(data, mutations), cuts)


@pytest.mark.slow
def test_fuzz_mutated_corpus_long(request: pytest.FixtureRequest) -> None:
    if "slow" not in (request.config.getoption("markexpr") or ""):
        pytest.skip("long fuzz run: select it with -m slow")
    _long_fuzz()


def _plain_flags(data: bytes) -> list[bool]:
    return [e.plain for e in of(read(data), TransactionEnd)]


def test_transaction_end_says_whether_the_set_was_plain_ascii() -> None:
    """TransactionEnd.plain is True only when no segment of the set holds a non-ASCII byte;
    it does not depend on the chunking nor on what other sets of the same block hold."""
    two = GOOD.replace(b"GE*1*1~", b"ST*850*0002~\nBEG*00*SA*PO2**20261127~\nSE*3*0002~\nGE*2*1~")
    assert b"ST*850*0002" in two
    assert _plain_flags(two) == [True, True]
    accented = two.replace(b"BEG*00*SA*PO2", "BEG*00*SA*PÖ2".encode("utf-8"))
    nul = two.replace(b"BEG*00*SA*PO2", b"BEG*00*SA*P\x002")
    for data, expected in ((accented, [True, False]), (nul, [True, True])):
        whole = read(data)
        assert [e.plain for e in of(whole, TransactionEnd)] == expected
        assert [e.plain for e in of(bytewise(data), TransactionEnd)] == expected
        assert whole == read(data, cuts=[len(data) // 3, len(data) // 2])
    latin = two.replace(b"ST*850*0001", b"ST*850*0001~\nREF*ZZ*M\xfcller")  # not UTF-8
    assert _plain_flags(latin) == [False, True]
