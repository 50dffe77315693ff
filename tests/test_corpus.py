"""Every file of the public corpus (../shared/corpus/MANIFEST.tsv) is handled:
parsed, or rejected with precise codes; never a crash.

EXPECTED holds, per file, what the gateway does with it: the number of
canonical documents translated, the exact set of error codes found (named by
the acknowledgment field they fill) and the acknowledgments it would send.
Where a source calls a file "pass" although it carries a real defect (listed
under "quirks" in the MANIFEST), the defect is reported precisely; the comment
says which.  A new corpus file without an entry fails the test on purpose.
"""
from __future__ import annotations

import csv
import io

import pytest

from shared_paths import CORPUS
from translators import pipeline
from translators.findings import ERROR

# path: (documents translated, error codes, acknowledgments)
EXPECTED: dict[str, tuple[int, list[str], list[str]]] = {
    'x12/stupidedi/004010_FA997_pass_1.edi': (1, [], []),
    'x12/stupidedi/004010_PO850_pass_1.edi': (1, [], ['997:A']),
    'x12/stupidedi/004010_PR855_pass_1.edi': (1, [], ['997:A']),
    'x12/stupidedi/004010_PR855_fail_2.edi': (1, ['AK304=8', 'AK403=5', 'AK502=5', 'TA105=015'], ['TA1:R']),  # ISA split over two lines: ISA10 swallows the terminator
    'x12/stupidedi/004010_SH856_fail_2.edi': (0, ['AK304=7', 'AK304=8', 'AK403=3', 'AK403=5', 'AK403=6', 'AK502=4', 'AK502=5', 'MAP=mapping'], ['997:R']),  # '$' terminator declared, '~' used: segments merge, SE01 wrong
    'x12/stupidedi/004010_X357_SC850_pass_basic-po.edi': (1, [], ['997:A']),
    'x12/stupidedi/004010_X357_SC850_pass_taxexempt-po.edi': (1, [], ['997:A']),
    'x12/stupidedi/004010_X358_SC855_pass_basic-po-ack-accepted.edi': (1, [], ['997:A']),
    'x12/stupidedi/004010_X358_SC855_pass_po-ack-minor-changes.edi': (1, [], ['997:A']),
    'x12/stupidedi/004010_X358_SC855_pass_po-ack-ship-details.edi': (1, [], ['997:A']),
    'x12/stupidedi/005010_X230_FA997_pass_response-to-837s.edi': (1, [], []),
    'x12/stupidedi/005010_X231A1_FA999_pass_response-to-3-837s.edi': (1, [], []),
    'x12/node-x12/850.edi': (1, [], ['997:A']),
    'x12/node-x12/850_2.edi': (1, [], ['997:A']),
    'x12/node-x12/850_3.edi': (1, [], ['997:A']),
    'x12/node-x12/850_fat.edi': (2, ['TA105=025'], ['997:A', 'TA1:R']),  # second interchange repeats ISA13: duplicate, rejected by TA1 025
    'x12/node-x12/855.edi': (1, [], ['997:A']),
    'x12/node-x12/856.edi': (1, ['AK502=1'], ['997:R']),  # version 004060 is outside 004010/005010: set not supported
    'x12/staedi/simple997.edi': (1, [], []),
    'x12/staedi/simple999.edi': (1, [], []),
    'x12/staedi/simple997-multiple-interchanges.edi': (3, [], []),
    'x12/staedi/empty997.edi': (0, ['AK304=3', 'AK502=5', 'MAP=mapping'], []),  # AK1 and AK9 are mandatory
    'x12/staedi/extraDelimiter997.edi': (0, ['AK304=8', 'AK403=12', 'AK403=13', 'AK403=6', 'AK403=7', 'AK502=5', 'MAP=mapping'], []),
    'x12/staedi/invalid997.edi': (1, ['AK304=8', 'AK403=5', 'AK403=6', 'AK403=7', 'AK502=5'], []),
    'x12/staedi/invalid997_min.edi': (1, ['AK304=8', 'AK403=7', 'AK502=5', 'AK905=4', 'TA105=024'], ['TA1:R']),
    'x12/staedi/invalid999.edi': (1, ['AK304=2', 'AK304=5', 'AK304=8', 'AK403=3', 'AK403=6', 'AK403=7', 'AK502=4', 'AK502=5'], []),
    'x12/staedi/optionalInterchangeServices.edi': (1, [], []),
    'x12/staedi/multi-tx-transaction-type.edi': (2, [], ['997:A']),
    'x12/staedi/invoice810_po850_dual.edi': (1, ['AK502=1'], ['997:R', '997:R']),  # 810 not supported; 003010 not supported
    'x12/staedi/x12_interchange_ack.txt': (0, ['TA105=021'], ['TA1:R']),  # IEA01 = 1 with no group
    'x12/edinet/x12.850.edi': (1, ['TA105=001'], ['TA1:R']),  # IEA02 != ISA13
    'x12/edinet/x12.850a.edi': (1, ['AK304=8', 'AK403=5', 'AK502=5', 'TA105=001'], ['TA1:R']),  # IEA02 != ISA13; N402 holds a 5-character value
    'x12/edinet/x12.850.issue135.edi': (2, ['AK502=23'], ['997:P']),  # both sets numbered 0001 in one group
    'x12/gozer/asn856.txt': (1, ['AK502=1', 'TA105=001'], ['TA1:R']),  # 004060 and IEA02 != ISA13
    'x12/gozer/po850.txt': (1, ['AK502=4'], ['997:R']),  # SE01 33 for 21 segments
    'x12/gozer/x12.missing.ISA.txt': (0, ['TA105=024'], []),
    'x12/gozer/x12.wrong.ISA.txt': (0, ['TA105=024'], []),
    'x12/gozer/x12.wrong.GS.txt': (0, ['AK304=1', 'AK502=1', 'AK502=4', 'TA105=021', 'TA105=024'], ['TA1:R']),
    'x12/gozer/x12.no.line.break.no.delim.txt': (0, ['TA105=004', 'TA105=023'], ['TA1:R']),
    'x12/gozer/x12.base.no.line.breaks.odd.char.txt': (0, ['AK304=1', 'AK502=1', 'AK502=4', 'AK905=5'], ['997:R']),  # dummy set types AAA/BBB/YYZ with counts that do not match
    'x12/bots-plugins/testx12002.x12.base': (1, [], ['TA1:A']),
    'x12/bots-plugins/testx12003.x12.base': (1, [], ['TA1:A']),
    'x12/bots-plugins/testx120028.x12.base': (0, [], ['TA1:A']),
    'x12/bots-plugins/997-004010VICS-01.x12': (1, [], []),
    'x12/bots-plugins/simplemailbag.x12': (1, [], ['997:A']),
    'x12/bots-plugins/856_2.x12': (2, [], ['TA1:A', '997:A']),
    'x12/bots-plugins/ebcdic.x12': (1, [], ['997:A']),
    'edifact/staedi/orders-with-group.edi': (1, ['UCM0085=14', 'UCM0085=29'], ['CONTRL:rejected']),  # UNH D:96B not supported; UNT count
    'edifact/staedi/invoic_d97b_una.edi': (0, ['UCM0085=14'], ['CONTRL:rejected']),  # INVOIC D97B is not a supported message
    'edifact/staedi/wrapped_invoic_d97b_una.edi': (0, ['UCM0085=14'], ['CONTRL:rejected']),  # INVOIC D97B is not a supported message
    'edifact/oca-edi/Retail_EDIFACT_ORDERS_sample1.txt': (1, [], ['CONTRL:accepted']),
    'edifact/oca-edi/Retail_EDIFACT_ORDERS_sample2.txt': (1, [], ['CONTRL:accepted']),
    'edifact/oca-edi/test_orders_-_no_PRI_segments.txt': (1, ['UCM0085=29'], ['CONTRL:rejected']),  # UNT says 267
    'edifact/oca-edi/test_orders_-_no_ean_in_LIN_segments.txt': (1, [], ['CONTRL:accepted']),
    'edifact/pydifact/order.edi': (1, ['UCI0085=12', 'UCI0085=13'], ['CONTRL:rejected']),  # 6-digit date under syntax 4; UNZ missing
    'edifact/pydifact/wikipedia_de.edi': (1, ['UCI0085=28'], ['CONTRL:rejected']),  # UNZ reference != UNB reference
    'edifact/edireader/ORDERS-D01B-UNOC.edi': (0, ['MAP=mapping'], ['CONTRL:accepted']),  # ORDRSP without a document date (DTM 137): valid syntax, no canonical date
    'edifact/edireader/ORDERS-D01B-UNOD.edi': (0, ['MAP=mapping'], ['CONTRL:accepted']),  # ORDRSP without a document date (DTM 137): valid syntax, no canonical date
    'edifact/edireader/ORDERS-D01B-UNOE.edi': (0, ['MAP=mapping'], ['CONTRL:accepted']),  # ORDRSP without a document date (DTM 137): valid syntax, no canonical date
    'edifact/edireader/tiny-syntaxVariants-UNOA.edi': (0, ['UCI0085=12', 'UCM0085=14'], ['CONTRL:rejected']),  # INVOIC D97B; placeholder letters in numeric UNB fields
    'edifact/edireader/tiny-UNOE.edi': (0, ['UCI0085=12', 'UCM0085=14'], ['CONTRL:rejected']),  # INVOIC D97B; placeholder letters in numeric UNB fields
    'edifact/edinet/edifact.ORDRSP.edi': (1, ['UCI0085=28', 'UCM0085=14', 'UCM0085=28', 'UCM0085=29'], ['CONTRL:rejected']),  # D10A not supported; UNT count and references
    'edifact/edinet/edifact.ORDRSP-formatted.edi': (1, ['UCI0085=28', 'UCM0085=14', 'UCM0085=28', 'UCM0085=29'], ['CONTRL:rejected']),  # D10A not supported; UNT count and references
    'edifact/php-edifact/D96ADESADV.edi': (1, ['UCM0085=14'], ['CONTRL:rejected']),  # UNH version '0' instead of 'D'
    'edifact/php-edifact/example_utf8.edi': (1, ['UCM0085=14'], ['CONTRL:rejected']),  # UNH version '0' instead of 'D'
    'edifact/php-edifact/example_order_ok.edi': (1, ['UCD0085=39'], ['CONTRL:rejected']),  # 4-letter units in QTY 6411 (an..3)
    'edifact/php-edifact/example_order_error.edi': (1, ['UCD0085=16', 'UCD0085=39'], ['CONTRL:rejected']),  # as _ok plus an unreleased ':' in IMD
    'edifact/php-edifact/example_release_character.edi': (0, ['UCM0085=14', 'UCM0085=29'], ['CONTRL:rejected']),  # IATA PAORES is not supported; UNT count
    'edifact/edi4r/in2.edi': (1, [], ['CONTRL:accepted']),
    'edifact/edi4r/groups.edi': (1, ['UCM0085=14'], ['CONTRL:partially_accepted']),  # INVOIC group not supported; the ORDERS group is accepted
    'edifact/edifact-rs/d96a_orders_conforming.edi': (1, ['UCS0085=13'], ['none:rejected']),  # no UNB; mandatory UNS missing in UN ORDERS
    'edifact/edifact-rs/d96a_orders_malformed.edi': (0, ['MAP=mapping', 'UCI0085=33', 'UCM0085=29', 'UCS0085=13'], ['none:rejected']),  # no UNB; BGM before UNH; UNS missing; UNT count
    'edifact/edifact-rs/d01b_orders_conforming.edi': (1, ['UCS0085=13'], ['none:rejected']),  # no UNB; mandatory UNS missing in UN ORDERS
    'edifact/edifact-rs/d01b_orders_malformed.edi': (0, ['MAP=mapping', 'UCI0085=33', 'UCM0085=29', 'UCS0085=13'], ['none:rejected']),  # no UNB; BGM before UNH; UNS missing; UNT count
    'edifact/bots-plugins/desadv1.edi': (3, [], ['CONTRL:accepted']),
    'edifact/bots-plugins/0T0000000004.edi': (3, [], ['CONTRL:accepted', 'CONTRL:accepted']),
    'edifact/bots-plugins/orders96.edi': (2, [], ['CONTRL:accepted']),
}


def _manifest() -> list[dict[str, str]]:
    with open(CORPUS / "MANIFEST.tsv", encoding="utf-8") as fh:
        return list(csv.DictReader(fh, delimiter="\t"))


ROWS = _manifest() if CORPUS.is_dir() else []


def test_every_manifest_file_has_an_expectation() -> None:
    assert ROWS, f"no corpus at {CORPUS}"
    assert {r["path"] for r in ROWS} == set(EXPECTED)


@pytest.mark.parametrize("row", ROWS, ids=[r["path"] for r in ROWS])
def test_corpus_file(row: dict[str, str]) -> None:
    raw = (CORPUS / row["path"]).read_bytes()
    report = pipeline.ValidationReport()
    out = list(pipeline.run(io.BytesIO(raw), acks=True, report=report))
    items = [i for i in out if isinstance(i, pipeline.Item)]
    acks = [f"{a.kind}:{a.status}" for a in out if isinstance(a, pipeline.Ack)]
    docs = sum(1 for i in items if i.document is not None)
    findings = [f for i in items for f in i.findings]
    errors = sorted({f"{f.field}={f.code}" for f in findings if f.severity == ERROR})
    assert (docs, errors, acks) == EXPECTED[row["path"]]
    assert report.valid == (not errors)
    for f in findings:  # every finding says what and where
        assert f.message and f.position.offset >= 0
        assert f.describe(row["path"]).startswith(row["path"])
    if row["expected"] == "fail":
        assert errors, "the source's failing sample must be rejected"
    for ack in out:
        if isinstance(ack, pipeline.Ack) and ack.kind != "none":
            # what we would send must itself read back without errors
            back = list(pipeline.run(io.BytesIO(ack.text.encode("latin-1", "replace")),
                                     map_documents=False))
            bad = [f.describe() for i in back if isinstance(i, pipeline.Item)
                   for f in i.findings if f.severity == ERROR]
            assert not bad, bad
