"""X12 schema validation as a filter over the reader's event stream.

``validate_transactions(events)`` passes every event through unchanged and
inserts ``Finding`` events right after the event they concern:

* ``AK304`` (segment): 1 unrecognized segment ID, 2 unexpected segment,
  3 mandatory segment missing, 4 loop occurs over maximum, 5 segment exceeds
  maximum use, 6 segment not in defined transaction set, 7 segment not in
  proper sequence, 8 segment has data element errors;
* ``AK403`` (element), always after the ``AK304=8`` of its segment: 1 mandatory
  element missing, 2 conditional required element missing, 3 too many
  elements, 4 too short, 5 too long, 6 invalid character, 7 invalid code
  value, 8 invalid date, 9 invalid time, 10 exclusion condition violated,
  12 too many repetitions, 13 too many components;
* ``AK502`` (transaction): 1 set/version not supported (body not validated),
  5 one or more segments in error (just before the ``TransactionEnd``).

``validate_batches(batches)`` is the same filter over lists of events (the
reader's ``iter_batches``), which the pipeline uses: one list out per list in.

A missing mandatory segment is reported (``AK304=3``, tag of the missing
segment) after the segment that revealed it, or before ``TransactionEnd``.
A value outside a *partial* code list (one that lists only the codes the
mappings rely on) is a warning.  After an error the validator keeps its place
and goes on with the next segment that fits.

Per valid segment the work is one dict lookup of the transition, a few integer
updates and one fast element check: the C checker of translators/x12/_c_segcheck.c
where it is built, else joining the elements and one compiled-regex match of that
text (skipped when the same text was found valid before: a bounded set of recent
valid texts is kept per run, so memory does not grow with the input).  Either only
says "valid" when the detailed checks (``schema.check_segment``) would find nothing.
Where the C module is built, runs of such segments are walked in C
(``_c_segcheck.advance``: the same moves, stopping before anything else).
"""
from __future__ import annotations

import functools
import sys
from itertools import chain
from typing import Any, Final, Iterable, Iterator, Optional

from translators.codes import str_keyed
from translators.findings import ERROR, WARNING, Finding, Position
from translators.x12 import schema as _schema
from translators.x12.events import (
    Event, GroupStart, InterchangeStart, Segment, TransactionEnd, TransactionStart, in_batches,
)

_AK304_TEXT: Final = {
    "1": "unrecognized segment ID",
    "2": "unexpected segment",
    "3": "mandatory segment missing",
    "4": "loop occurs over maximum times",
    "5": "segment exceeds maximum use",
    "6": "segment not in defined transaction set",
    "7": "segment not in proper sequence",
    "8": "segment has data element errors",
}

Row = tuple  # (target, kind (+4 when it skips mandatory nodes), depth, limit, skipped nodes or None,
#               matchers by len(elements), memo allowed, C check or None)

#: At most this many distinct valid segment texts are remembered (then forgotten at once).
_SEEN_MAX: Final = 4096


@functools.lru_cache(maxsize=64)
def _table(version: str, set_id: str, element: str, component: str, repetition: Optional[str]
           ) -> tuple[dict[str, Row], ...]:
    """Transitions joined with the fast checker of their target node."""
    sc = _schema.load(version, set_id)
    assert sc is not None
    checkers = sc.fast_checkers(element, component, repetition)
    defs: dict[str, set] = {}
    for node in sc.nodes:
        defs.setdefault(node.tag, set()).add(node.segment)
    # a segment text found valid once is valid again wherever its tag fits, unless the tag
    # has several definitions in this set
    native = {node.index: _schema.native_check(node.segment, component, repetition) for node in sc.nodes}
    # str-only dicts with interned keys: the reader's tags are interned too, so a lookup is
    # an identity hit
    return tuple(str_keyed({sys.intern(str(tag)): (t.target, t.kind if not t.skipped else t.kind + 4, t.depth, t.limit, t.skipped or None,
                        checkers[t.target], len(defs[tag]) == 1, native[t.target])
                  for tag, t in trans.items()}) for trans in sc.transitions)


def _is_segment_id(tag: str) -> bool:
    return 2 <= len(tag) <= 3 and tag.isascii() and tag.isalnum() and tag.isupper() and tag[0].isalpha()


class _Set:
    """The transaction set being validated (what the error paths need)."""

    __slots__ = ("schema", "state", "counts", "errors", "component", "repetition")

    def __init__(self, sc: _schema.TransactionSchema, component: str, repetition: Optional[str]) -> None:
        self.schema = sc
        self.state = 0  # node last matched (kept up to date on the error paths only)
        self.counts = [1] * (sc.max_depth + 1)  # loop iterations by depth
        self.errors = False
        self.component = component
        self.repetition = repetition


def _grow(emitted: Optional[list[Event]], batch: list[Event], done: int) -> list[Event]:
    """The output list, made as the copy of the ``done`` events of batch passed so far when
    this is the first finding of the batch."""
    return emitted if emitted is not None else batch[:done]


def validate_transactions(events: Iterable[Event]) -> Iterator[Event]:
    """Pass every event through and insert schema findings (see module doc)."""
    return chain.from_iterable(validate_batches(in_batches(events)))


def validate_batches(batches: Iterable[list[Event]]) -> Iterator[list[Event]]:
    """``validate_transactions`` over lists of events: one list out per list in, so no
    generator is resumed per event."""
    isa_ctl: Optional[str] = None
    gs_ctl: Optional[str] = None
    st_ctl: Optional[str] = None
    set_id: Optional[str] = None
    delims: Any = None
    cur: Optional[_Set] = None
    table: tuple[dict[str, Row], ...] = ()
    state = 0
    trans: dict[str, Row] = {}
    rep = 1
    sep = "*"
    counts: list[int] = []
    seen: set[str] = set()  # segment texts that matched their regex in the current table
    SegmentT = Segment

    def position(ev: Segment, tag: Optional[str] = None, loop_id: Optional[str] = None, **kw: object) -> Position:
        return Position(ev.offset, isa_ctl, gs_ctl, st_ctl, set_id, tag or ev.tag, ev.position, loop_id,
                        **kw)  # type: ignore[arg-type]

    def seg_finding(code: str, ev: Segment, tag: Optional[str] = None, loop_id: Optional[str] = None,
                    severity: str = ERROR, detail: str = "") -> Finding:
        msg = _AK304_TEXT[code] + (f": {detail}" if detail else "")
        return Finding("AK304", code, msg, position(ev, tag, loop_id), severity)

    def slow(ev: Segment, node: _schema.Node, st: _Set) -> list[Finding]:
        problems = _schema.check_segment(node.segment, ev.elements, st.component, st.repetition)
        if not problems:
            return []
        severe = any(not p[7] for p in problems)
        out = [seg_finding("8", ev, loop_id=node.loop_id, severity=ERROR if severe else WARNING)]
        for code, elem, comp, rpt, ref, bad, msg, partial in problems:
            out.append(Finding("AK403", code, msg,
                               position(ev, None, node.loop_id, element_position=elem, component_position=comp,
                                        repetition=rpt, element_reference=ref or None, bad_value=bad),
                               WARNING if partial else ERROR))
        return out

    def misplaced(ev: Segment, st: _Set) -> Finding:
        sc = st.schema
        tag = ev.tag
        if tag in sc.tags:
            code = "7" if sc.first_position[tag] <= st.state else "2"
        elif tag in sc.segment_ids or (_is_segment_id(tag) and tag in _schema.dictionary(sc.version).segment_ids):
            code = "6"
        else:
            code = "1"
        return seg_finding(code, ev, detail=f"{tag} after {sc.nodes[st.state].tag}")

    advance = _schema.native_advance
    for batch in batches:
        # made at the first finding inserted (batch[:i] then): a batch without findings
        # passes on as it is
        emitted: Optional[list[Event]] = None
        i = 0
        n = len(batch)
        while i < n:
            if cur is not None and advance is not None:
                # runs of segments that fit and pass their C check, in C (same moves)
                i, state, rep = advance(batch, i, emitted, table, state, rep, counts, SegmentT)
                trans = table[state]
                if i >= n:
                    break
            ev = batch[i]
            i += 1
            if type(ev) is SegmentT and cur is not None:
                row = trans.get(ev[0])
                if row is not None:
                    # hot path: a segment that fits where it is and whose text is valid
                    kind = row[1]
                    if kind == 0:  # plain advance
                        rep = 1
                    elif kind == 3:  # next iteration of a loop
                        c = counts[row[2]] + 1
                        counts[row[2]] = c
                        rep = 1
                        if c > row[3]:
                            kind = -1
                    elif kind == 2:  # into a loop
                        counts[row[2]] = 1
                        rep = 1
                    elif kind == 1:  # the same segment again
                        rep += 1
                        if rep > row[3]:
                            kind = -1
                    else:  # passes over mandatory segments (kind 4 + the move's own kind)
                        if kind == 6:
                            counts[row[2]] = 1
                        elif kind == 7:
                            counts[row[2]] += 1
                        rep = 1
                        kind = -1
                    state = row[0]
                    trans = table[state]
                    els = ev[1]
                    if kind >= 0:
                        check = row[7]
                        if check is not None:
                            if check(els):
                                if emitted is not None:
                                    emitted.append(ev)
                                continue
                        else:
                            text = sep.join(els)
                            if text in seen:
                                if emitted is not None:
                                    emitted.append(ev)
                                continue
                            try:
                                if row[5][len(els)](text) is not None:
                                    if row[6]:
                                        if len(seen) >= _SEEN_MAX:
                                            seen.clear()
                                        seen.add(text)
                                    if emitted is not None:
                                        emitted.append(ev)
                                    continue
                            except IndexError:
                                pass
                    # something to report (after the segment)
                    if emitted is not None:
                        emitted.append(ev)
                    cur.state = state
                    target, kind, depth, limit, skipped, matchers, _, _ = row
                    kind &= 3
                    node = cur.schema.nodes[target]
                    bad = None
                    if kind == 3 and counts[depth] > limit:
                        bad = "4"
                    elif kind == 1 and rep > limit:
                        bad = "5"
                    for idx in skipped or ():
                        miss = cur.schema.nodes[idx]
                        cur.errors = True
                        emitted = _grow(emitted, batch, i)
                        emitted.append(seg_finding("3", ev, miss.tag, miss.loop_id,
                                         detail=f"{miss.tag} expected before {ev.tag}"))
                    if bad is not None:
                        cur.errors = True
                        emitted = _grow(emitted, batch, i)
                        emitted.append(seg_finding(bad, ev, loop_id=node.loop_id))
                    if len(els) >= len(matchers) or matchers[len(els)](sep.join(els)) is None:
                        for f in slow(ev, node, cur):
                            if f.severity == ERROR:
                                cur.errors = True
                            emitted = _grow(emitted, batch, i)
                            emitted.append(f)
                    continue
                if emitted is not None:
                    emitted.append(ev)
                cur.state = state
                cur.errors = True
                emitted = _grow(emitted, batch, i)
                emitted.append(misplaced(ev, cur))
                continue
            if type(ev) is SegmentT:
                if emitted is not None:
                    emitted.append(ev)
                continue
            if isinstance(ev, TransactionStart):
                if emitted is not None:
                    emitted.append(ev)
                st_ctl, set_id = ev.control_number, ev.set_id
                cur = None
                base = _schema.base_version(ev.version)
                sc = _schema.load(base, ev.set_id) if base else None
                if sc is None:
                    what = (f"transaction set {ev.set_id!r} of version {ev.version!r}" if base
                            else f"version {ev.version!r}")
                    emitted = _grow(emitted, batch, i)
                    emitted.append(Finding("AK502", "1", f"{what} not supported; body not validated",
                                 Position(ev.offset, isa_ctl, gs_ctl, st_ctl, set_id, "ST", 1)))
                    continue
                d = delims
                element: str = d.element if d else "*"
                component: str = d.component if d else ":"
                repetition: Optional[str] = d.repetition if d else None
                if base == "004010":
                    repetition = None  # no repetition separator before 00501 (ISA11 is a standards id)
                new_table = _table(base, ev.set_id, element, component, repetition)
                if new_table is not table:
                    seen.clear()
                table = new_table
                cur = _Set(sc, component, repetition)
                state, rep, sep, counts = 0, 1, element, cur.counts
                trans = table[0]
                continue
            if isinstance(ev, TransactionEnd):
                if cur is not None:
                    sc = cur.schema
                    seg_pos = ev.trailer.position if ev.trailer is not None else max(ev.segment_count, 1)
                    where = Segment("SE", ["SE"], ev.offset, seg_pos)
                    for idx in sc.end_missing[state]:
                        miss = sc.nodes[idx]
                        cur.errors = True
                        emitted = _grow(emitted, batch, i - 1)  # before the TransactionEnd
                        emitted.append(seg_finding("3", where, miss.tag, miss.loop_id, detail=f"{miss.tag} expected before SE"))
                    if cur.errors:
                        emitted = _grow(emitted, batch, i - 1)
                        emitted.append(Finding("AK502", "5", "one or more segments in error",
                                     Position(ev.offset, isa_ctl, gs_ctl, st_ctl, set_id, "SE", seg_pos)))
                cur = None
                if emitted is not None:
                    emitted.append(ev)
                continue
            if isinstance(ev, InterchangeStart):
                isa_ctl, gs_ctl, delims = ev.control_number, None, ev.delimiters
            elif isinstance(ev, GroupStart):
                gs_ctl = ev.control_number
            if emitted is not None:
                emitted.append(ev)
        yield emitted if emitted is not None else batch
