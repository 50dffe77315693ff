"""Schema validator over the reader's event stream: corpus, generated documents,
hand-made errors for every AK304/AK403 code with exact positions, fuzzing."""
from __future__ import annotations

import pathlib

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from translators.findings import ERROR, WARNING, Finding
from translators.x12.events import Segment, TransactionEnd, TransactionStart
from translators.x12.reader import iter_events
from translators.x12.validator import validate_transactions

ISA = ("ISA*00*          *00*          *ZZ*SENDER         *ZZ*RECEIVER       *240131*1200*"
       "{rep}*{ver}*{ctl}*0*P*:~\n")


def interchange(sets: list[tuple[str, list[str]]], version: str = "004010", ctl: str = "000000101",
                group: str = "77") -> bytes:
    """One interchange, one group; each set is (set id, body segments between ST and SE)."""
    rep, isa_ver = ("^", "00501") if version.startswith("005") else ("U", "00401")
    fid = {"850": "PO", "855": "PR", "856": "SH", "997": "FA", "999": "FA"}[sets[0][0]]
    out = [ISA.format(rep=rep, ver=isa_ver, ctl=ctl), f"GS*{fid}*SENDER*RECEIVER*20240131*1200*{group}*X*{version}~\n"]
    for k, (set_id, body) in enumerate(sets, 1):
        out.append(f"ST*{set_id}*{k:04d}~\n")
        out.extend(s + "~\n" for s in body)
        out.append(f"SE*{len(body) + 2}*{k:04d}~\n")
    out.append(f"GE*{len(sets)}*{group}~\nIEA*1*{ctl}~\n")
    return "".join(out).encode()


def run(data: bytes) -> list:
    return list(validate_transactions(iter_events(data)))


def schema_findings(events: list, errors_only: bool = False) -> list[Finding]:
    return [e for e in events if isinstance(e, Finding) and e.field in ("AK304", "AK403", "AK502")
            and (not errors_only or e.severity == ERROR)]


def codes(events: list) -> list[tuple]:
    """(field, code, segment tag, segment position, element, component, repetition) of each finding."""
    return [(f.field, f.code, f.position.segment_tag, f.position.segment_position, f.position.element_position,
             f.position.component_position, f.position.repetition) for f in schema_findings(events)]


PO_HEAD = ["BEG*00*SA*PO-1001**20240128", "CUR*BY*USD", "REF*CT*CONTRACT-7", "PER*BD*JANE DOE*TE*5551234",
           "DTM*002*20240215", "N1*BY*ACME MFG*92*0001", "N3*100 MAIN ST", "N4*SPRINGFIELD*IL*62701*US"]


def po_lines(n: int) -> list[str]:
    out = []
    for i in range(1, n + 1):
        out += [f"PO1*{i}*{i * 3}*EA*{i}.25**BP*B-{i:03d}*VP*V-{i:03d}*UP*01234560{i:04d}",
                f"PID*F****Widget {i}", "DTM*002*20240220"]
    return out


def valid_850(n: int = 3) -> list[str]:
    return PO_HEAD + po_lines(n) + [f"CTT*{n}"]


def valid_855(n: int = 2) -> list[str]:
    body = ["BAK*00*AC*PO-1001*20240128", "REF*CO*SO-88", "N1*ST*ACME PLANT*92*0002"]
    for i in range(1, n + 1):
        body += [f"PO1*{i}*5*EA*2.5**BP*B-{i}", f"ACK*IA*5*EA*068*20240210", "DTM*068*20240210"]
    return body + [f"CTT*{n}"]


def valid_856(order: str = "SOPI") -> list[str]:
    level = {
        "S": ["TD1*CTN25*2****G*20.5*LB", "TD5*B*2*UPSN*M*UPS GROUND", "REF*BM*BOL-1", "DTM*011*20240128",
              "N1*ST*ACME PLANT*92*0002", "N1*SF*SUPPLIER INC*92*0099"],
        "O": ["PRF*PO-1001***20240120"],
        "T": ["MAN*GM*00006141411234567890"],
        "P": ["MAN*GM*00006141411234567891"],
        "I": ["LIN*1*BP*B-001*VP*V-001", "SN1**10*EA", "PID*F****Widget"],
    }
    body = ["BSN*00*ASN-1*20240128*1015*0001", "DTM*011*20240128"]
    for k, code in enumerate(order, 1):
        body.append(f"HL*{k}*{k - 1 if k > 1 else ''}*{code}")
        body += level[code]
    return body + [f"CTT*{order.count('I')}"]


VALID = {"850": valid_850, "855": valid_855, "856": valid_856}


# ---------------------------------------------------------------------------
# valid documents


@pytest.mark.parametrize("version", ["004010", "005010", "004010VICS", "005010X231A1"])
@pytest.mark.parametrize("set_id", ["850", "855", "856"])
def test_valid_generated_documents_have_no_findings(version, set_id):
    data = interchange([(set_id, VALID[set_id]()), (set_id, VALID[set_id]())], version)
    events = run(data)
    assert schema_findings(events) == []
    assert [e for e in events if not isinstance(e, Finding)] == list(iter_events(data))


@pytest.mark.parametrize("order", ["SOPI", "SOI", "STPI", "SPOI", "SOPIPI", "SOTPIPIOPI"])
def test_856_hierarchy_levels_in_any_order(order):
    assert schema_findings(run(interchange([("856", valid_856(order))], "004010"))) == []
    assert schema_findings(run(interchange([("856", valid_856(order))], "005010"))) == []


def test_valid_997_and_999():
    ack997 = ["AK1*PO*77", "AK2*850*0001", "AK3*PO1*5*PO1*8", "AK4*2**1", "AK5*R*5", "AK2*850*0002", "AK5*A",
              "AK9*P*2*2*1"]
    assert schema_findings(run(interchange([("997", ack997)], "004010"))) == []
    ack999 = ["AK1*PO*77*005010", "AK2*850*0001", "IK3*PO1*5*PO1*8", "CTX*SITUATIONAL TRIGGER*PO1*5",
              "IK4*2*380*1", "CTX*CLM01:123", "IK5*R*5", "AK9*R*1*1*0"]
    assert schema_findings(run(interchange([("999", ack999)], "005010"))) == []


# ---------------------------------------------------------------------------
# corpus

CLEAN = [
    "x12/stupidedi/004010_FA997_pass_1.edi", "x12/stupidedi/004010_PO850_pass_1.edi",
    "x12/stupidedi/004010_PR855_pass_1.edi", "x12/stupidedi/004010_X357_SC850_pass_basic-po.edi",
    "x12/stupidedi/004010_X357_SC850_pass_taxexempt-po.edi",
    "x12/stupidedi/004010_X358_SC855_pass_basic-po-ack-accepted.edi",
    "x12/stupidedi/004010_X358_SC855_pass_po-ack-minor-changes.edi",
    "x12/stupidedi/004010_X358_SC855_pass_po-ack-ship-details.edi",
    "x12/stupidedi/005010_X230_FA997_pass_response-to-837s.edi",
    "x12/stupidedi/005010_X231A1_FA999_pass_response-to-3-837s.edi",
    "x12/node-x12/850.edi", "x12/node-x12/850_2.edi", "x12/node-x12/850_3.edi", "x12/node-x12/850_fat.edi",
    "x12/node-x12/855.edi", "x12/staedi/simple997.edi", "x12/staedi/simple999.edi",
    "x12/staedi/simple997-multiple-interchanges.edi", "x12/staedi/optionalInterchangeServices.edi",
    "x12/staedi/multi-tx-transaction-type.edi", "x12/edinet/x12.850.edi", "x12/edinet/x12.850.issue135.edi",
    "x12/gozer/po850.txt", "x12/bots-plugins/997-004010VICS-01.x12", "x12/bots-plugins/856_2.x12",
]


@pytest.mark.parametrize("path", CLEAN)
def test_corpus_documents_validate_without_errors(corpus_dir: pathlib.Path, path):
    events = run((corpus_dir / path).read_bytes())
    assert schema_findings(events, errors_only=True) == []
    assert any(isinstance(e, TransactionStart) for e in events)


def _find(events, field, code, tag=None, pos=None, elem=None) -> list[Finding]:
    return [f for f in schema_findings(events) if f.field == field and f.code == code
            and (tag is None or f.position.segment_tag == tag) and (pos is None or f.position.segment_position == pos)
            and (elem is None or f.position.element_position == elem)]


def test_corpus_invalid997(corpus_dir):
    ev = run((corpus_dir / "x12/staedi/invalid997.edi").read_bytes())
    assert codes(ev) == [
        ("AK304", "8", "AK1", 2, None, None, None), ("AK403", "7", "AK1", 2, 1, None, None),
        ("AK304", "8", "AK4", 5, None, None, None), ("AK403", "6", "AK4", 5, 2, None, None),
        ("AK403", "5", "AK4", 5, 2, None, None), ("AK502", "5", "SE", 8, None, None, None)]
    f = _find(ev, "AK403", "7")[0]
    assert f.position.bad_value == "HC NOT IN CODESET" and f.position.element_reference == "479"
    assert (f.position.interchange, f.position.group, f.position.transaction, f.position.transaction_set) == \
        ("508121953", "000005", "0001", "997")


def test_corpus_extra_delimiters(corpus_dir):
    ev = run((corpus_dir / "x12/staedi/extraDelimiter997.edi").read_bytes())
    assert _find(ev, "AK403", "12", "AK3", 4, 2) and _find(ev, "AK403", "12", "AK3", 4, 4)
    assert _find(ev, "AK403", "12", "AK4", 5, 4)
    thirteen = _find(ev, "AK403", "13", "AK4", 5, 4)
    assert thirteen and thirteen[0].position.component_position == 2


def test_corpus_invalid999(corpus_dir):
    ev = run((corpus_dir / "x12/staedi/invalid999.edi").read_bytes())
    c = codes(ev)
    assert ("AK304", "2", "IK5", 2, None, None, None) in c  # IK5 before AK1
    assert ("AK403", "3", "AK2", 4, 4, None, None) in c  # AK2*837*0001*X*Y*Z
    assert ("AK403", "7", "IK5", 5, 1, None, None) in c  # IK5*Q
    assert ("AK304", "5", "IK5", 6, None, None, None) in c  # second IK5 in the same AK2 loop
    assert c[-1] == ("AK502", "5", "SE", 18, None, None, None)


def test_corpus_empty997(corpus_dir):
    ev = run((corpus_dir / "x12/staedi/empty997.edi").read_bytes())
    assert codes(ev) == [("AK304", "3", "AK1", 2, None, None, None), ("AK304", "3", "AK9", 2, None, None, None),
                         ("AK502", "5", "SE", 2, None, None, None)]


@pytest.mark.parametrize("path", ["x12/node-x12/856.edi", "x12/gozer/asn856.txt"])
def test_corpus_unsupported_version(corpus_dir, path):
    ev = run((corpus_dir / path).read_bytes())
    assert [(f.code, f.position.segment_tag) for f in _find(ev, "AK502", "1")] == [("1", "ST")]
    assert not [f for f in schema_findings(ev) if f.field in ("AK304", "AK403")]


def test_corpus_unsupported_set_and_version(corpus_dir):
    ev = run((corpus_dir / "x12/staedi/invoice810_po850_dual.edi").read_bytes())
    assert [f.position.transaction_set for f in _find(ev, "AK502", "1")] == ["810", "810", "850"]


def test_corpus_real_errors(corpus_dir):
    ev = run((corpus_dir / "x12/stupidedi/004010_PR855_fail_2.edi").read_bytes())
    assert _find(ev, "AK403", "5", "SCH", 7, 2)
    ev = run((corpus_dir / "x12/edinet/x12.850a.edi").read_bytes())
    assert _find(ev, "AK403", "5", "N4", 22, 2)[0].position.bad_value == "State"


# ---------------------------------------------------------------------------
# hand-made errors: every AK304 and AK403 code, exact positions


def one_850(body: list[str], version: str = "004010") -> list:
    return run(interchange([("850", body)], version))


def test_ak304_1_unrecognized_segment():
    ev = one_850(PO_HEAD[:1] + ["QQ9*1"] + PO_HEAD[1:] + po_lines(1) + ["CTT*1"])
    assert codes(ev) == [("AK304", "1", "QQ9", 3, None, None, None), ("AK502", "5", "SE", 15, None, None, None)]


def test_ak304_2_unexpected_segment():
    ev = run(interchange([("997", ["AK1*PO*77", "AK4*1**1", "AK9*A*0*0*0"])]))
    assert codes(ev)[0] == ("AK304", "2", "AK4", 3, None, None, None)


def test_ak304_3_mandatory_segment_missing():
    ev = one_850(PO_HEAD[1:] + po_lines(1) + ["CTT*1"])  # no BEG
    assert codes(ev)[0] == ("AK304", "3", "BEG", 2, None, None, None)
    ev = one_850(PO_HEAD + ["CTT*0"])  # no PO1 loop
    f = _find(ev, "AK304", "3", "PO1")[0]
    assert (f.position.segment_position, f.position.loop_id) == (10, "PO1")


def test_ak304_4_loop_over_maximum():
    sacs = ["SAC*A*D240" for _ in range(26)]  # header SAC loop repeats at most 25 times
    ev = one_850(PO_HEAD[:2] + sacs + PO_HEAD[2:] + po_lines(1) + ["CTT*1"])
    assert codes(ev)[0] == ("AK304", "4", "SAC", 29, None, None, None)
    assert _find(ev, "AK304", "4")[0].position.loop_id == "SAC"


def test_ak304_5_segment_exceeds_maximum_use():
    dtms = ["DTM*002*20240215"] * 11  # header DTM at most 10
    ev = one_850(PO_HEAD[:4] + dtms + PO_HEAD[5:] + po_lines(1) + ["CTT*1"])
    assert codes(ev)[0] == ("AK304", "5", "DTM", 16, None, None, None)


def test_ak304_6_segment_not_in_set():
    ev = one_850(PO_HEAD[:1] + ["CLM*A37*100"] + PO_HEAD[1:] + po_lines(1) + ["CTT*1"])
    assert codes(ev)[0] == ("AK304", "6", "CLM", 3, None, None, None)


def test_ak304_7_segment_out_of_sequence_and_recovery():
    ev = one_850(PO_HEAD + po_lines(1) + ["CUR*BY*USD"] + po_lines(2)[3:] + ["CTT*2"])
    assert codes(ev) == [("AK304", "7", "CUR", 13, None, None, None), ("AK502", "5", "SE", 18, None, None, None)]


@pytest.mark.parametrize("segment,code,elem,comp,rep,ref,bad,version", [
    ("BEG*00*SA***20240128", "1", 3, None, None, "324", None, "004010"),
    ("REF*CT", "2", 2, None, None, "127", None, "004010"),  # R0203
    ("N3*100 MAIN ST*SUITE 1*EXTRA", "3", 3, None, None, None, "EXTRA", "004010"),
    ("N4*S*IL*62701*US", "4", 1, None, None, "19", "S", "004010"),
    ("CUR*BY*USDX", "5", 2, None, None, "100", "USDX", "004010"),
    ("PER*BD*JANE*TE*555\x011234", "6", 4, None, None, "364", "555\x011234", "004010"),
    ("N4*SPRINGFIELD*IL*62701*US*ZZ*1*X", "3", 7, None, None, None, "X", "004010"),
    ("DTM*002*20240230", "8", 2, None, None, "373", "20240230", "004010"),
    ("DTM*002*20240215*2561", "9", 3, None, None, "337", "2561", "004010"),
    ("REF*CT*A:B", "13", 2, 2, None, "127", "A:B", "004010"),
    ("REF*CT*A^B", "12", 2, None, 2, "127", "A^B", "005010"),
])
def test_ak403_header_element_errors(segment, code, elem, comp, rep, ref, bad, version):
    tag = segment.split("*")[0]
    body = list(PO_HEAD)
    body[next(i for i, s in enumerate(body) if s.startswith(tag + "*"))] = segment
    body += po_lines(1) + ["CTT*1"]
    ev = one_850(body, version)
    found = schema_findings(ev)
    seg = [f for f in found if f.field == "AK304"]
    el = [f for f in found if f.field == "AK403"]
    assert [(f.code, f.position.segment_tag) for f in seg] == [("8", tag)]
    assert found.index(seg[0]) < found.index(el[0])  # AK304=8 comes first
    f = el[0]
    assert (f.code, f.position.element_position, f.position.component_position, f.position.repetition,
            f.position.element_reference, f.position.bad_value) == (code, elem, comp, rep, ref, bad)
    assert f.position.segment_position == seg[0].position.segment_position == body.index(segment) + 2
    assert found[-1].field == "AK502" and found[-1].code == "5"


def test_ak403_7_invalid_code_closed_and_partial_lists():
    ev = one_850(PO_HEAD + ["PO1*1*3*EA*1.25**BP*B-1", "PID*Q****Widget"] + ["CTT*1"])
    f = _find(ev, "AK403", "7", "PID")[0]
    assert (f.severity, f.position.element_position, f.position.bad_value, f.position.loop_id) == (ERROR, 1, "Q", "PID")
    ev = one_850(PO_HEAD + ["PO1*1*3*QQ*1.25**BP*B-1"] + ["CTT*1"])  # unit outside the partial list
    f = _find(ev, "AK403", "7", "PO1")[0]
    assert f.severity == WARNING and f.position.element_position == 3
    assert _find(ev, "AK304", "8", "PO1")[0].severity == WARNING
    assert not _find(ev, "AK502", "5")


def test_ak403_2_paired_and_10_exclusion():
    ev = one_850(PO_HEAD + ["PO1*1*3*EA*1.25**BP"] + ["CTT*1"])  # P0607: PO107 missing
    f = _find(ev, "AK403", "2", "PO1")[0]
    assert (f.position.element_position, f.position.element_reference) == (7, "234")
    ev = one_850(PO_HEAD + ["PO1*1*3*EA*1.25**BP*B-1", "QTY*01*5**X"] + ["CTT*1"])  # E0204
    f = _find(ev, "AK403", "10", "QTY")[0]
    assert (f.position.element_position, f.position.loop_id) == (4, "QTY")


def test_ak403_1_mandatory_component_missing():
    ev = one_850(PO_HEAD[:3] + ["REF*CT*X**:Y"] + PO_HEAD[3:] + po_lines(1) + ["CTT*1"])
    f = _find(ev, "AK403", "1", "REF")[0]
    assert (f.position.element_position, f.position.component_position, f.position.element_reference) == (4, 1, "128")


def test_ak403_12_too_many_repetitions_in_999_context():
    ctx = "CTX*" + "^".join(["T:1"] * 11)
    ack = ["AK1*PO*77*005010", "AK2*850*0001", "IK3*PO1*5**8", ctx, "IK5*R*5", "AK9*R*1*1*0"]
    ev = run(interchange([("999", ack)], "005010"))
    f = _find(ev, "AK403", "12", "CTX")[0]
    assert (f.position.element_position, f.position.repetition, f.position.loop_id) == (1, 11, "IK3")


def test_positions_carry_offsets_and_control_numbers():
    data = interchange([("850", valid_850(1)), ("850", PO_HEAD + ["PO1*1*x*EA"] + ["CTT*1"])], ctl="000000555",
                       group="91")
    ev = run(data)
    f = _find(ev, "AK403", "6", "PO1")[0]
    p = f.position
    assert (p.interchange, p.group, p.transaction, p.transaction_set, p.loop_id) == \
        ("000000555", "91", "0002", "850", "PO1")
    assert data[p.offset:p.offset + 10] == b"PO1*1*x*EA"
    # findings come right after the segment they concern
    i = ev.index(f)
    assert isinstance(ev[i - 2], Segment) and ev[i - 2].tag == "PO1" and ev[i - 1].code == "8"
    assert isinstance(ev[-1], object) and not isinstance(ev[-1], Finding)
    end = next(e for e in ev if isinstance(e, TransactionEnd) and e.control_number == "0002")
    assert ev[ev.index(end) - 1].field == "AK502"


def test_events_pass_through_unchanged_in_order():
    data = interchange([("850", PO_HEAD + ["PO1*1*x*EA", "ZZ9"] + ["CTT*1"])])
    ev = run(data)
    assert [e for e in ev if not isinstance(e, Finding) or e.field not in ("AK304", "AK403", "AK502")] == \
        list(iter_events(data))


def test_byte_by_byte_feed_gives_same_findings():
    data = interchange([("850", PO_HEAD + ["PO1*1*x*EA"] + ["CTT*1"])])
    whole = codes(run(data))
    assert whole and codes(list(validate_transactions(iter_events(data, chunk_size=1)))) == whole


# ---------------------------------------------------------------------------
# fuzz: mutated valid segments never make the validator raise

_BASE = {("850", "004010"): valid_850(2), ("856", "005010"): valid_856("SOPI"), ("855", "004010"): valid_855(1)}
_noise = st.text(alphabet="AZ09.-:^* ~\x01", max_size=8)


@st.composite
def mutated(draw):
    (set_id, version), body = draw(st.sampled_from(sorted(_BASE.items())))
    body = list(body)
    for _ in range(draw(st.integers(1, 4))):
        i = draw(st.integers(0, len(body) - 1))
        els = body[i].split("*")
        how = draw(st.integers(0, 4))
        if how == 0:
            els[draw(st.integers(0, len(els) - 1))] = draw(_noise).replace("*", "").replace("~", "")
        elif how == 1:
            els.append(draw(_noise).replace("*", "").replace("~", ""))
        elif how == 2 and len(els) > 1:
            del els[draw(st.integers(1, len(els) - 1))]
        elif how == 3:
            body.insert(draw(st.integers(0, len(body))), body[i])
        else:
            body.pop(i) if len(body) > 1 else None
            continue
        body[i] = "*".join(e.replace("~", "") for e in els) or "X"
    return set_id, version, body


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mutated())
def test_fuzz_mutated_segments_never_raise(case):
    set_id, version, body = case
    data = interchange([(set_id, body)], version)
    ev = run(data)
    for f in schema_findings(ev):
        assert f.field in ("AK304", "AK403", "AK502") and f.code.isdigit()
        assert f.position.transaction_set == set_id


@pytest.mark.slow
@settings(max_examples=3000, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mutated())
def test_fuzz_mutated_segments_never_raise_long(case):
    set_id, version, body = case
    run(interchange([(set_id, body)], version))


def test_loop_counts_survive_a_missing_mandatory_segment():
    # the 26th header SAC loop passes over nothing; a PO1 loop entered while BEG is missing still counts
    ev = one_850(["CUR*BY*USD"] + ["SAC*A*D240"] * 26 + PO_HEAD[2:] + po_lines(1) + ["CTT*1"])
    assert codes(ev)[:2] == [("AK304", "3", "BEG", 2, None, None, None), ("AK304", "4", "SAC", 28, None, None, None)]


# --------------------------------------------------------------------------- batches

def _batch_corpus() -> list[bytes]:
    from shared_paths import sibling
    return sibling(__file__, "test_reader")._corpus_bytes()


@pytest.mark.parametrize("chunk", [5, 97, 1 << 16])
def test_batch_filters_equal_the_event_filters(chunk: int) -> None:
    """The pipeline's list-at-a-time path (reader batches of any size -> envelope ->
    validator) gives exactly the events of the event-at-a-time filters."""
    from itertools import chain

    from translators.x12.envelope import validate_envelope, validate_envelope_batches
    from translators.x12.reader import iter_batches
    from translators.x12.validator import validate_batches
    kinds: set[type] = set()
    for data in _batch_corpus():
        one = list(validate_transactions(validate_envelope(iter_events(data))))
        batched = list(chain.from_iterable(validate_batches(validate_envelope_batches(
            iter_batches(data, chunk_size=chunk)))))
        assert batched == one
        kinds.update(map(type, one))
    assert {Finding, TransactionEnd, Segment} <= kinds  # the corpus has findings and sets
