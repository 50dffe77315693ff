"""translators.edifact.writer: envelopes, service characters, release escaping,
character sets, counts and references; every interchange it writes is read
back by an independent parser (pydifact) segment by segment.
"""
from __future__ import annotations

import datetime as dt
import importlib.util
import pathlib
import warnings
from decimal import Decimal as D

import pytest

from translators.canonical import (
    OrderLine, Party, ProductId, PurchaseOrder, ResponseLine, OrderResponse, ShipNotice,
)
from translators.edifact.events import ServiceChars
from translators.edifact.mapping import message_segments
from translators.edifact.mapping.common import Num
from translators.edifact.writer import EdifactEnvelope, render, render_segment
from translators.findings import EDIError
from translators.x12.serialize import MemoryControlNumbers

_spec = importlib.util.spec_from_file_location(
    "_edifact_roundtrip_samples", pathlib.Path(__file__).with_name("test_roundtrip.py"))
samples = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(samples)  # type: ignore[union-attr]

NOW = dt.datetime(2026, 5, 1, 12, 30)


def small_order(**changes) -> PurchaseOrder:
    po = PurchaseOrder("PO-1", dt.date(2026, 5, 1), lines=[
        OrderLine("1", D("2.5"), "KGM", [ProductId("gtin", "4012345000009")], D("9.99"))])
    for k, v in changes.items():
        setattr(po, k, v)
    return po


# --------------------------------------------------------------------------- pydifact

def _normal(elements) -> list:
    """Element list (writer or pydifact form) -> comparable form."""
    out = []
    for e in elements:
        if isinstance(e, (list, tuple)):
            comps = ["" if c is None else str(c) for c in e]
            while comps and comps[-1] == "":
                comps.pop()
            e = "" if not comps else (comps[0] if len(comps) == 1 else comps)
        elif e is None:
            e = ""
        out.append(str(e) if isinstance(e, str) else e)
    while out and out[-1] == "":
        out.pop()
    return out


def _with_decimal(elements, mark: str):
    def fix(v):
        if isinstance(v, Num) and mark == ",":
            return v.replace(".", ",")
        return v
    return [[fix(c) for c in e] if isinstance(e, list) else fix(e) for e in elements]


def pydifact_segments(text: str) -> list:
    from pydifact.parser import Parser
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return [(s.tag, _normal(s.elements)) for s in Parser().parse(text) if s.tag != "UNA"]


@pytest.mark.parametrize("envelope", samples.ENVELOPES)
@pytest.mark.parametrize("make", samples.DOCUMENTS, ids=lambda f: f.__name__)
def test_pydifact_reads_the_same_segments(make, envelope):
    doc = make()
    written = render([doc], envelope, MemoryControlNumbers(), now=NOW)
    chars = envelope.service_chars()
    got = pydifact_segments(written.text)
    body = message_segments(doc, envelope.directory)
    expected_body = [(s[0], _normal(_with_decimal(list(s[1:]), chars.decimal))) for s in body]
    assert got[0][0] == "UNB" and got[1][0] == "UNH"
    assert got[2:-2] == expected_body
    assert got[-2] == ("UNT", [str(len(body) + 2), written.message_references[0]])
    assert got[-1] == ("UNZ", ["1", written.interchange_reference])


@pytest.mark.parametrize("make", samples.DOCUMENTS, ids=lambda f: f.__name__)
def test_pydifact_with_repetition_char_released(make):
    # syntax 4 with '*' released in values: pydifact drops the release character
    env = EdifactEnvelope("S", "R", syntax_version="4", directory="D01B")
    written = render([make()], env, MemoryControlNumbers(), now=NOW)
    assert "?*" in written.text
    got = pydifact_segments(written.text)
    body = message_segments(make(), "D01B")
    assert got[2:-2] == [(s[0], _normal(list(s[1:]))) for s in body]


# --------------------------------------------------------------------------- envelope

def test_envelope_syntax3_defaults_no_una():
    counter = MemoryControlNumbers(start=41)
    written = render([small_order(), small_order(number="PO-2")],
                     EdifactEnvelope("SENDER", "RECV", directory="D96A",
                                     association_code="EAN008", application_reference="ORDERS",
                                     ack_requested=True, test=True),
                     counter, now=NOW)
    lines = written.text.splitlines()
    assert lines[0] == "UNB+UNOC:3+SENDER:14+RECV:14+260501:1230+41++ORDERS++1++1'"
    assert lines[1] == "UNH+41+ORDERS:D:96A:UN:EAN008'"
    assert "LIN+1++4012345000009:EN'" in lines
    unt = [ln for ln in lines if ln.startswith("UNT")]
    assert unt == ["UNT+9+41'", "UNT+9+42'"]
    assert lines[-1] == "UNZ+2+41'"
    assert written.interchange_reference == "41"
    assert written.message_references == ["41", "42"]
    assert written.encode() == written.text.encode("latin-1")


def test_envelope_syntax4_date_and_una_only_when_needed():
    env = EdifactEnvelope("S", "R", syntax_version="4", directory="D01B")
    text = render([small_order()], env, MemoryControlNumbers(), now=NOW).text
    assert text.startswith("UNB+UNOC:4+S:14+R:14+20260501:1230+1'")
    assert "LIN+1++4012345000009:SRV'" in text
    forced = render([small_order()], EdifactEnvelope("S", "R", una=True),
                    MemoryControlNumbers(), now=NOW).text
    assert forced.startswith("UNA:+.? '\nUNB")
    comma = render([small_order()], EdifactEnvelope("S", "R", chars=ServiceChars(decimal=",")),
                   MemoryControlNumbers(), now=NOW).text
    assert comma.startswith("UNA:+,? '")
    assert "QTY+21:2,5:KGM'" in comma and "PRI+AAA:9,99'" in comma
    v4 = render([small_order()], EdifactEnvelope("S", "R", syntax_version="4",
                                                 chars=ServiceChars(segment="!",
                                                                    repetition="*")),
                MemoryControlNumbers(), now=NOW).text
    assert v4.startswith("UNA:+.?*!")


def test_unob_defaults_to_information_separators():
    text = render([small_order()], EdifactEnvelope("S", "R", syntax_id="UNOB",
                                                   segment_suffix=""),
                  MemoryControlNumbers(), now=NOW).text
    assert text.startswith("UNB\x1dUNOB\x1f3\x1dS\x1f14")
    assert "UNA" not in text


def test_release_escaping_of_every_service_character():
    seg = ["FTX", "AAI", "", "", ["a+b", "c:d", "e'f", "g?h"]]
    assert render_segment(seg) == "FTX+AAI+++a?+b:c?:d:e?'f:g??h'"
    chars = ServiceChars(component="^", element="*", release="!", segment="~")
    assert render_segment(["RFF", ["ON", "a*b^c~d!e:f"]], chars) == "RFF*ON^a!*b!^c!~d!!e:f~"
    assert render_segment(["CNT", ["2", "", ""], "", ""]) == "CNT+2'"


def test_no_release_character_refuses_special_values():
    env = EdifactEnvelope("S", "R", chars=ServiceChars(release=None))
    with pytest.raises(EDIError, match="release character"):
        render([small_order(number="PO+1")], env, MemoryControlNumbers(), now=NOW)
    ok = render([small_order()], env, MemoryControlNumbers(), now=NOW).text
    assert ok.startswith("UNA:+.  '")


def test_character_sets():
    po = small_order(notes=["Grüße"])
    with pytest.raises(EDIError, match="UNOA"):
        render([po], EdifactEnvelope("S", "R", syntax_id="UNOA"), MemoryControlNumbers(), now=NOW)
    with pytest.raises(EDIError, match="UNOA"):
        render([small_order(notes=["lower case"])], EdifactEnvelope("S", "R", syntax_id="UNOA"),
               MemoryControlNumbers(), now=NOW)
    upper = render([small_order(notes=["UPPER CASE"])], EdifactEnvelope("S", "R",
                                                                        syntax_id="UNOA"),
                   MemoryControlNumbers(), now=NOW)
    assert upper.encode().isascii()
    latin = render([po], EdifactEnvelope("S", "R", syntax_id="UNOC"), MemoryControlNumbers(),
                   now=NOW)
    assert "Grüße".encode("latin-1") in latin.encode()
    utf8 = render([po], EdifactEnvelope("S", "R", syntax_id="UNOW", syntax_version="4"),
                  MemoryControlNumbers(), now=NOW)
    assert "Grüße".encode("utf-8") in utf8.encode()
    with pytest.raises(EDIError, match="cannot be encoded"):
        render([small_order(notes=["€ 5"])], EdifactEnvelope("S", "R", syntax_id="UNOC"),
               MemoryControlNumbers(), now=NOW)


@pytest.mark.parametrize("doc, env, text", [
    (small_order(), EdifactEnvelope("S", "R", directory="D97A"), "directory"),
    (small_order(), EdifactEnvelope("S", "R", syntax_id="UNOX"), "syntax identifier"),
    (small_order(), EdifactEnvelope("S", "R", chars=ServiceChars(component="+")), "distinct"),
    (small_order(), EdifactEnvelope("S", "R", chars=ServiceChars(repetition="*")), "version 4"),
    (small_order(order_type="dropship"), EdifactEnvelope("S", "R"), "order type"),
    (small_order(purpose="x12:07"), EdifactEnvelope("S", "R"), "purpose"),
    (small_order(parties=[Party("buyer", id="1", id_scheme="duns4")]), EdifactEnvelope("S", "R"),
     "party id scheme"),
    (small_order(parties=[Party("x12:VN", name="V")]), EdifactEnvelope("S", "R"), "party role"),
    (small_order(lines=[OrderLine("1", D(1), "EA", [ProductId("x12:CB", "1")])]),
     EdifactEnvelope("S", "R"), "product id scheme"),
    (small_order(lines=[OrderLine("1", D("NaN"), "EA")]), EdifactEnvelope("S", "R"), "finite"),
    (small_order(notes=["x" * 80]), EdifactEnvelope("S", "R"), "longer than 70"),
    (OrderResponse("R", dt.date(2026, 5, 1), "PO", "accepted",
                   lines=[ResponseLine("1", "x12:IW")]), EdifactEnvelope("S", "R"), "status"),
    (ShipNotice("S", dt.date(2026, 5, 1), transport_mode="x12:ZZ"), EdifactEnvelope("S", "R"),
     "transport mode"),
    ("not a document", EdifactEnvelope("S", "R"), "cannot be written"),
])
def test_impossible_documents_raise_edierror(doc, env, text):
    with pytest.raises(EDIError, match=text):
        render([doc], env, MemoryControlNumbers(), now=NOW)


def test_empty_interchange_and_given_reference():
    written = render([], EdifactEnvelope("S", "R"), MemoryControlNumbers(), now=NOW,
                     interchange_reference="REF9")
    assert written.text.splitlines() == ["UNB+UNOC:3+S:14+R:14+260501:1230+REF9'", "UNZ+0+REF9'"]
    assert written.message_references == []


@pytest.mark.parametrize("envelope", samples.ENVELOPES)
def test_written_interchanges_pass_envelope_and_message_validation(envelope):
    from translators.edifact.envelope import validate_envelope
    from translators.edifact.reader import iter_events
    from translators.edifact.validator import validate_messages
    from translators.findings import Finding

    docs = [make() for make in samples.DOCUMENTS]
    written = render(docs, envelope, MemoryControlNumbers(), now=NOW)
    events = list(validate_envelope(validate_messages(iter_events(written.encode()))))
    findings = [e.describe() for e in events if isinstance(e, Finding)]
    assert findings == []
    assert sum(1 for e in events if type(e).__name__ == "MessageStart") == 3
