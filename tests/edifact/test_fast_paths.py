"""The speed-ups must not change a single event: the reader's shared parse cache, the
message validator's memories (tag sequences, element lists) and the batch driver used
by the pipeline (translators.edifact.adapter.checked_events)."""
from __future__ import annotations

import io
from pathlib import Path

import pytest

from bench import data as bench_data
from translators.edifact.adapter import checked_events
from translators.edifact.envelope import validate_envelope
from translators.edifact.events import Segment
from translators.edifact.reader import iter_events
from translators.edifact.validator import MessageValidator, validate_messages
from translators.findings import Finding

UNB = "UNB+UNOC:3+5412345000013:14+8712345000014:14+260517:1200+{ref}'"
BODY = ["BGM+220+PO{n}+9", "DTM+137:20260517:102", "NAD+BY+5412345000013::9",
        "LIN+1++5412345678908:EN", "QTY+21:10:PCE", "UNS+S"]


def interchange(bodies: list[list[str]], una: str = "UNA:+.? '", ref: str = "ICR1") -> bytes:
    lines = [una, UNB.format(ref=ref)] if una else [UNB.format(ref=ref)]
    for n, body in enumerate(bodies, 1):
        segs = [f"UNH+M{n}+ORDERS:D:96A:UN"] + [s.format(n=n) for s in body]
        lines += [s + "'" for s in segs] + [f"UNT+{len(segs) + 1}+M{n}'"]
    lines.append(f"UNZ+{len(bodies)}+{ref}'")
    return "\n".join(lines).encode("latin-1")


def step_by_step(data: bytes) -> list:
    """The reference: one event at a time through both validators."""
    return list(validate_messages(validate_envelope(iter(list(iter_events(data, 7))))))


def batched(data: bytes, size: int) -> list:
    return list(checked_events(data[i:i + size] for i in range(0, len(data), size)))


def findings(events: list) -> list[tuple]:
    return [(f.field, f.code, f.position.transaction, f.position.segment_position,
             f.position.element_position, f.position.bad_value)
            for f in events if isinstance(f, Finding)]


def _corpus_files() -> list[Path]:
    from shared_paths import CORPUS
    return sorted(p for p in (CORPUS / "edifact").rglob("*") if p.is_file())


@pytest.mark.parametrize("path", _corpus_files(), ids=lambda p: p.name)
def test_batches_equal_step_by_step_on_corpus(path: Path) -> None:
    raw = path.read_bytes()
    want = step_by_step(raw)
    for size in (1, 13, 1 << 16):
        assert batched(raw, size) == want


@pytest.mark.parametrize("kind", ["edifact-orders", "edifact-desadv"])
def test_batches_equal_step_by_step_on_bench_data(kind: str) -> None:
    out = io.BytesIO()
    bench_data.GENERATORS[kind](out, 120_000)
    raw = out.getvalue()
    want = step_by_step(raw)
    assert not findings(want)
    assert batched(raw, 4096) == want


def test_remembered_messages_still_report_errors() -> None:
    good = [list(BODY)] * 3
    bad_element = [s.replace("QTY+21:10:PCE", "QTY+21:1O:PCE") for s in BODY]
    bad_structure = [s for s in BODY if not s.startswith("DTM")]
    raw = interchange(good + [bad_element] + good + [bad_structure] + good + [bad_element])
    got = batched(raw, 1 << 16)
    assert got == step_by_step(raw)
    fs = findings(got)
    assert [f[2] for f in fs if f[1] == "37"] == ["M4", "M12"]  # non-numeric quantity
    assert [(f[2], f[1]) for f in fs if f[0] == "UCS0085"] == [("M8", "13")]


def test_same_text_under_other_separators_is_parsed_again() -> None:
    first = interchange([list(BODY)], ref="A1")
    # the same bytes mean other elements when '+' is the component separator
    second = interchange([list(BODY)], una="UNA+:.? '", ref="A2").replace(
        b"UNB+UNOC:3+5412345000013:14+8712345000014:14+260517:1200+A2", b"UNB:UNOC+3:"
        b"5412345000013+14:8712345000014+14:260517+1200:A2")
    events = batched(first + b"\n" + second, 1 << 16)
    assert events == step_by_step(first + b"\n" + second)
    qty = [e for e in events if type(e) is Segment and e.tag == "QTY"]
    assert [q.elements for q in qty] == [[["QTY"], ["21", "10", "PCE"]],
                                        [["QTY", "21"], ["10"], ["PCE"]]]


def test_syntax_4_repetitions_are_checked_every_time() -> None:
    body = [s.replace("NAD+BY+5412345000013::9", "NAD+BY+5412345000013::9*5412345000020::9")
            for s in BODY]
    raw = interchange([body] * 3, una="").replace(b"UNOC:3", b"UNOC:4")
    got = batched(raw, 1 << 16)
    assert got == step_by_step(raw)
    assert [f[2] for f in findings(got) if f[1] == "35"] == ["M1", "M2", "M3"]


def test_hand_made_segments_with_a_foreign_tag_are_not_taken_for_remembered() -> None:
    from translators.edifact.events import MessageEnd, MessageStart
    shared = [["QTY"], ["21", "10", "PCE"]]
    unh = Segment("UNH", [["UNH"], ["M1"], ["ORDERS", "D", "96A", "UN"]], 0, 1)

    def message(tag: str) -> list:
        return [MessageStart(0, unh, "M1", "ORDERS", "D", "96A", "UN", ""),
                Segment("BGM", [["BGM"], ["220"], ["PO1"], ["9"]], 10, 2),
                Segment("DTM", [["DTM"], ["137", "20260517", "102"]], 20, 3),
                Segment("LIN", [["LIN"], ["1"], [""], ["5412345678908", "EN"]], 30, 4),
                Segment(tag, shared, 40, 5),
                Segment("UNS", [["UNS"], ["S"]], 50, 6),
                MessageEnd(60, "M1", "ORDERS", None, 6)]

    validator = MessageValidator()
    first = validator.process(message("QTY"))
    assert not [e for e in first if isinstance(e, Finding)]
    validator.process(message("QTY"))  # now remembered
    again = validator.process(message("PRI"))  # the same list under another tag
    assert again == list(validate_messages(message("PRI")))
    assert [e for e in again if isinstance(e, Finding)]
