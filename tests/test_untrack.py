"""translators/_c_untrack.c: reader events leave the cyclic collector's care, nothing else
does, and the events are the same with or without it."""
from __future__ import annotations

import gc
import os
from dataclasses import dataclass
from typing import NamedTuple

import pytest

from translators import gcpause
from translators.edifact import _tokenize as edifact_tokenize
from translators.edifact import reader as edifact_reader
from translators.x12 import reader as x12_reader

_c = pytest.importorskip("translators._c_untrack", reason="C extension not built")

X12 = (b"ISA*00*          *00*          *ZZ*SENDER         *ZZ*RECEIVER       *261204*0930*U*00401"
       b"*000000001*0*P*>~GS*SH*S*R*20261204*0930*1*X*004010~ST*856*0001~BSN*00*A1*20261204~"
       b"HL*1**S~HL*2*1*O~PRF*PO1~HL*3*2*I~LIN**BP*X~SN1**4*EA~CTT*3~SE*10*0001~GE*1*1~"
       b"IEA*1*000000001~")
EDIFACT = (b"UNA:+.? 'UNB+UNOC:3+S+R+261204:0930+1'UNH+1+DESADV:D:96A:UN'BGM+351+A?+1+9'"
           b"LIN+1++X:BP'QTY+12:4'UNT+5+1'UNZ+1+1'")


class _Plain(NamedTuple):
    a: object
    b: object


class _WithDict(tuple):  # a tuple subclass whose instances have a __dict__
    pass


needs_on = pytest.mark.skipif(not gcpause.UNTRACKING and bool(os.environ.get("EDI_GATEWAY_PURE")),
                              reason="EDI_GATEWAY_PURE=1 turns untracking off")


@needs_on
def test_untracking_is_on_when_built() -> None:
    assert gcpause.UNTRACKING is True
    assert gcpause.untrack_events is _c.untrack_events


@needs_on
@pytest.mark.parametrize("read,data", [(x12_reader.iter_events, X12),
                                       (edifact_reader.iter_events, EDIFACT)])
def test_reader_segments_are_untracked_and_unchanged(read, data: bytes,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    events = list(read(data))
    segments = [e for e in events if type(e).__name__ == "Segment"]
    assert len(segments) >= 3
    assert not any(gc.is_tracked(s) or gc.is_tracked(s.elements) for s in segments)
    module = x12_reader if read is x12_reader.iter_events else edifact_reader
    monkeypatch.setattr(module, "untrack_events", gcpause._keep_tracked)
    if module is x12_reader:  # the C tokenizer untracks what it makes itself
        from translators.x12 import _tokenize
        monkeypatch.setattr(x12_reader, "_body_segments", _tokenize.body_segments)
    else:  # the C hot loop untracks what it makes by itself
        monkeypatch.setattr(module, "_body_segments", edifact_tokenize.body_segments)
    tracked = list(read(data))
    assert tracked == events
    assert all(gc.is_tracked(s) for s in tracked if type(s).__name__ == "Segment")


def test_only_acyclic_shapes_are_untracked() -> None:
    atomic = [_Plain("x", ["a", 1, 2.5, None, True]), ["s", ("t", ["u"])]]
    holds_dict = [_Plain("x", {"k": "v"})]
    own_dict = [_WithDict(("x",))]
    deep = [[[[[["too deep"]]]]]]
    cyclic: list = ["x"]
    cyclic.append(cyclic)
    events = atomic + holds_dict + own_dict + deep + [cyclic]
    _c.untrack_events(events)
    assert gc.is_tracked(events)  # the batch list itself is not touched
    assert not gc.is_tracked(atomic[0]) and not gc.is_tracked(atomic[0].b)
    assert not gc.is_tracked(atomic[1]) and not gc.is_tracked(atomic[1][1][1])
    assert gc.is_tracked(holds_dict[0])  # a dict may hold anything later
    assert gc.is_tracked(own_dict[0])
    assert gc.is_tracked(deep[0])
    assert gc.is_tracked(cyclic)
    # the cycle is still collected
    del events, cyclic
    assert gc.collect() >= 1


def test_bad_argument_is_a_type_error() -> None:
    with pytest.raises(TypeError):
        _c.untrack_events(("not", "a", "list"))  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        _c.untrack_events([], ("not a type",))
    with pytest.raises(TypeError):
        _c.untrack_events([], [_Frozen])


@dataclass(frozen=True, slots=True)
class _Frozen:
    a: object
    b: object = None


@dataclass(frozen=True)
class _FrozenWithDict:
    a: object


def test_frozen_instances_of_the_listed_types_only() -> None:
    plain = _Frozen("x", _Plain("y", ["z", 1]))
    nested = _Frozen(_Frozen("x"), ("t", ["u"]))
    holds_dict = _Frozen({"k": "v"})
    holds_list_of_dict = _Frozen(["a", {"k": "v"}])
    unlisted = _FrozenWithDict("x")
    cyclic = _Frozen([])
    cyclic.a.append(cyclic)  # type: ignore[attr-defined]
    events = [plain, nested, holds_dict, holds_list_of_dict, unlisted, cyclic]
    _c.untrack_events(events)  # without the types: frozen instances are left alone
    assert all(gc.is_tracked(e) for e in events)
    _c.untrack_events(events, (_Frozen, _FrozenWithDict))
    assert not gc.is_tracked(plain) and not gc.is_tracked(plain.b)
    assert not gc.is_tracked(nested) and not gc.is_tracked(nested.a)
    assert gc.is_tracked(holds_dict) and gc.is_tracked(holds_list_of_dict)
    assert gc.is_tracked(unlisted)  # a __dict__ may hold anything later
    assert gc.is_tracked(cyclic)
    del events, cyclic
    assert gc.collect() >= 1


@needs_on
def test_edifact_envelope_events_and_findings_are_untracked() -> None:
    damaged = EDIFACT.replace(b"BGM+351", b"BGM+351+\x01")
    events = list(edifact_reader.iter_events(damaged))
    kinds = {type(e).__name__ for e in events}
    assert {"InterchangeStart", "MessageStart", "MessageEnd", "InterchangeEnd", "Finding"} <= kinds
    assert not any(gc.is_tracked(e) for e in events)
    start = next(e for e in events if type(e).__name__ == "MessageStart")
    assert not gc.is_tracked(start.unh) and not gc.is_tracked(start.unh.elements)


@needs_on
@pytest.mark.parametrize("module, data, tag", [
    (x12_reader, X12.replace(b"LIN**BP*X~SN1**4*EA~", b"LIN**BP*X~SN1**4*EA~" * 3000), "LIN"),
    (edifact_reader, EDIFACT.replace(b"QTY+12:4'", b"QTY+12:4'" * 3000), "QTY"),
], ids=["x12", "edifact"])
def test_no_collection_sees_the_events_of_a_block(module, data: bytes, tag: str) -> None:
    """The readers untrack a block's events before they re-enable the collector, so the
    collection that re-enabling soon triggers finds none of them to scan."""
    from translators.edifact.events import Segment as ESegment
    from translators.x12.events import Segment as XSegment
    seen: list[int] = []

    def count(phase: str, info: dict) -> None:
        if phase == "start":
            seen.append(sum(1 for o in gc.get_objects(0) if type(o) in (XSegment, ESegment)))

    gc.collect()
    gc.callbacks.append(count)
    try:
        events = list(module.iter_events(data, chunk_size=4096))
        gc.collect(0)
    finally:
        gc.callbacks.remove(count)
    assert sum(1 for ev in events if getattr(ev, "tag", None) == tag) >= 3000
    assert seen and max(seen) < 50, seen


@needs_on
def test_x12_reader_batch_list_is_untracked_with_its_events() -> None:
    """A reader batch holds only acyclic events (segments and the frozen envelope events):
    the list itself is taken out of the collector's care too, so a collection while the
    pipeline works through it does not scan its thousands of entries.  What close() adds
    after the last read goes into a list of its own."""
    reader = x12_reader.X12Reader()
    batch = reader.feed(X12)
    assert len(batch) > 5 and not gc.is_tracked(batch)
    assert not any(gc.is_tracked(e) for e in batch)
    rest = reader.close()
    assert rest == [] or gc.is_tracked(rest) or not any(gc.is_tracked(e) for e in rest)
    assert _c.untrack_events([["a"], 1], (), True) is None
    mixed = [["a"], object()]  # something it cannot vouch for: the list stays tracked
    _c.untrack_events(mixed, (), True)
    assert gc.is_tracked(mixed) and not gc.is_tracked(mixed[0])
