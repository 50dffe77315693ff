"""translators.edifact.serialize: segments, escaping, envelopes; read back by our reader and by
pydifact."""
from __future__ import annotations

import datetime as dt
import warnings

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from translators.edifact.envelope import validate_envelope
from translators.edifact.events import (
    DEFAULT_CHARS, GroupStart, InterchangeStart, MessageStart, Segment, ServiceChars,
)
from translators.edifact.reader import iter_events
from translators.edifact.serialize import (
    Envelope, Group, Message, default_chars, escape, render_interchange, render_segment,
    una_string,
)
from translators.findings import EDIError, Finding
from translators.x12.serialize import MemoryControlNumbers

NOW = dt.datetime(2024, 5, 6, 7, 8)
ENV = Envelope("SENDER", "RECEIVER", "14", "14")
BODY = [["BGM", "220", "PO?1+'x:y*z", "9"], ["DTM", ["137", "20240506", "102"]],
        ["FTX", "AAI", None, None, ["line one", "", None, None]], ["NAD", "BY", None, "", ""]]


def read_segments(data: bytes) -> list[Segment]:
    events = list(validate_envelope(iter_events(data)))
    assert not [e for e in events if isinstance(e, Finding)], events
    return [e for e in events if isinstance(e, Segment)]


def test_render_segment_escapes_and_drops_trailing_empties() -> None:
    assert render_segment(["BGM", "220", "PO?1+'x:y", "9"]) == "BGM+220+PO??1?+?'x?:y+9'"
    assert render_segment(["FTX", "AAI", None, None, ["a", "b", "", None]]) == "FTX+AAI+++a:b'"
    assert render_segment(["NAD", "BY", None, "", ["", None]]) == "NAD+BY'"
    assert escape("a+b") == "a?+b"
    with pytest.raises(EDIError):
        render_segment(["bgm", "1"])


def test_no_release_character_refuses_service_characters() -> None:
    chars = ServiceChars(release=None)
    assert render_segment(["FTX", "plain"], chars) == "FTX+plain'"
    with pytest.raises(EDIError, match="a'b"):
        render_segment(["FTX", "a'b"], chars)


def test_syntax4_repetitions() -> None:
    chars = default_chars("UNOW", "4")
    assert chars.repetition == "*"
    assert render_segment(["FTX", "AAI", [["a", "b"], ["c"], [""]]], chars) == "FTX+AAI+a:b*c'"
    assert render_segment(["FTX", "x*y"], chars) == "FTX+x?*y'"
    with pytest.raises(EDIError):
        render_segment(["FTX", "AAI", [["a"], ["c"]]], DEFAULT_CHARS)


def test_interchange_syntax3_round_trip() -> None:
    counter = MemoryControlNumbers()
    w = render_interchange([Message("ORDERS", "D", "96A", BODY, association="EAN008")], ENV,
                           counter, NOW)
    assert w.text.splitlines()[0] == "UNB+UNOC:3+SENDER:14+RECEIVER:14+240506:0708+1'"
    assert (w.interchange_reference, w.message_references) == ("1", ["1"])
    segs = read_segments(w.encode())
    assert [s.elements for s in segs] == [
        [["BGM"], ["220"], ["PO?1+'x:y*z"], ["9"]],
        [["DTM"], ["137", "20240506", "102"]],
        [["FTX"], ["AAI"], [""], [""], ["line one"]],
        [["NAD"], ["BY"]],
    ]
    w2 = render_interchange([Message("ORDERS", "D", "96A", BODY)], ENV, counter, NOW)
    assert w2.interchange_reference == "2"


def test_interchange_syntax4_dates_una_and_groups() -> None:
    env = Envelope("S", "R", syntax_id="UNOW", syntax_version="4", test=True, ack_requested=True)
    msgs = [Message("ORDERS", "D", "01B", [["FTX", "AAI", None, None, "Grüße 中文"]]),
            Message("ORDERS", "D", "01B", [["BGM", "220", "X"]])]
    w = render_interchange([Group("ORDERS", msgs)], env, MemoryControlNumbers(), NOW)
    lines = w.text.splitlines()
    assert lines[0] == "UNB+UNOW:4+S+R+20240506:0708+1++++1++1'"
    assert lines[1].startswith("UNG+ORDERS+S+R+20240506:0708+1+UN+D:01B'")
    assert lines[-2] == "UNE+2+1'" and lines[-1] == "UNZ+1+1'"
    events = list(validate_envelope(iter_events(w.encode())))
    assert not [e for e in events if isinstance(e, Finding)]
    start = events[0]
    assert isinstance(start, InterchangeStart) and start.test and start.ack_requested
    assert start.chars.repetition == "*"
    assert [e for e in events if isinstance(e, GroupStart)][0].control_reference == "1"
    ftx = [e for e in events if isinstance(e, Segment) and e.tag == "FTX"][0]
    assert ftx.elements[4] == ["Grüße 中文"]


def test_una_written_only_when_needed_or_asked() -> None:
    msg = [Message("ORDERS", "D", "96A", [["BGM", "220"]])]
    assert not render_interchange(msg, ENV, now=NOW).text.startswith("UNA")
    assert render_interchange(msg, Envelope("S", "R", una=True), now=NOW).text.startswith(
        "UNA:+.? '")
    chars = ServiceChars(component="=", element="*", release="?", segment="~")
    w = render_interchange([Message("ORDERS", "D", "96A", [["FTX", "a*b=c~d"]])],
                           Envelope("S", "R", chars=chars, newline=""), now=NOW)
    assert w.text.startswith("UNA=*.? ~UNB*UNOC=3*S*R*")
    assert "FTX*a?*b?=c?~d~" in w.text
    assert [s.elements for s in read_segments(w.encode())] == [[["FTX"], ["a*b=c~d"]]]
    assert una_string(DEFAULT_CHARS) == "UNA:+.? '"


def test_character_sets() -> None:
    msg = lambda text: [Message("ORDERS", "D", "96A", [["FTX", "AAI", None, None, text]])]  # noqa
    with pytest.raises(EDIError, match="lower"):
        render_interchange(msg("lower"), Envelope("S", "R", syntax_id="UNOA"), now=NOW)
    ok = render_interchange(msg("UPPER (1/2) 50%"), Envelope("S", "R", syntax_id="UNOA"), now=NOW)
    assert ok.encode().decode("ascii")
    render_interchange(msg("lower"), Envelope("S", "R", syntax_id="UNOB"), now=NOW)
    with pytest.raises(EDIError, match="é"):
        render_interchange(msg("café"), Envelope("S", "R", syntax_id="UNOB"), now=NOW)
    latin = render_interchange(msg("café"), Envelope("S", "R", syntax_id="UNOC"), now=NOW)
    assert "café".encode("latin-1") in latin.encode()
    with pytest.raises(EDIError, match="中"):
        render_interchange(msg("中"), Envelope("S", "R", syntax_id="UNOC"), now=NOW)
    cyr = render_interchange(msg("Москва"), Envelope("S", "R", syntax_id="UNOE"), now=NOW)
    assert [s.elements[4] for s in read_segments(cyr.encode())] == [["Москва"]]
    with pytest.raises(EDIError):
        render_interchange(msg("x"), Envelope("S", "R", syntax_id="KECA"), now=NOW)


def test_groups_and_messages_not_mixed() -> None:
    m = Message("ORDERS", "D", "96A", [])
    with pytest.raises(EDIError):
        render_interchange([m, Group("ORDERS", [m])], ENV, now=NOW)


def _pydifact_segments(text: str) -> list:
    pydifact = pytest.importorskip("pydifact.segmentcollection")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ic = pydifact.Interchange.from_str(text)
        return [(s.tag, s.elements) for s in ic.segments]


def _ours_as_pydifact(data: bytes) -> list:
    out = []
    for e in iter_events(data):
        if isinstance(e, (MessageStart,)):
            els = e.unh.elements
        elif isinstance(e, Segment):
            els = e.elements
        elif type(e).__name__ == "MessageEnd" and e.trailer is not None:
            els = e.trailer.elements
        else:
            continue
        out.append((els[0][0], [el[0] if len(el) == 1 else el for el in els[1:]]))
    return out


def test_pydifact_reads_what_we_write() -> None:
    w = render_interchange([Message("ORDERS", "D", "96A", BODY, association="EAN008")], ENV,
                           MemoryControlNumbers(), NOW)
    theirs = _pydifact_segments(w.text)
    assert theirs == _ours_as_pydifact(w.encode())
    assert ("BGM", ["220", "PO?1+'x:y*z", "9"]) in theirs


VALUE = st.text(alphabet="AB z09?+:'*.,-/ ", max_size=12)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.lists(st.one_of(VALUE, st.lists(VALUE, min_size=1, max_size=3)),
                         min_size=1, max_size=5), min_size=1, max_size=4))
def test_written_values_read_back_identically(rows: list) -> None:
    segs = [["FTX"] + row for row in rows]
    w = render_interchange([Message("ORDERS", "D", "96A", segs)], ENV, now=NOW)
    got = [s.elements for s in read_segments(w.encode())]
    want = []
    for seg in segs:
        els = [[seg[0]]]
        for v in seg[1:]:
            comps = [v] if isinstance(v, str) else list(v)
            while len(comps) > 1 and comps[-1] == "":
                comps.pop()
            els.append(comps)
        while len(els) > 1 and els[-1] == [""]:
            els.pop()
        want.append(els)
    assert got == want
    assert _pydifact_segments(w.text) == _ours_as_pydifact(w.encode())
