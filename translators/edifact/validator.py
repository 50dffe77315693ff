"""Message validator: a filter over the EDIFACT reader's event stream.

``validate_messages(events)`` yields every event it receives, unchanged and in
order, and inserts ``Finding`` events named by the CONTRL field they fill:

``UCM0085`` (message level)
    14  message type/version/release not supported: no schema for the UNH S009
        (0065, 0052, 0054).  Supported: ORDERS, ORDRSP, DESADV in D96A and D01B
        (any association code 0057, e.g. EANCOM EAN008, validated against the UN
        structure: EANCOM is a subset) and CONTRL ``D:3`` / ``4:1``.  Other
        directories (D96B, D97B, D10A ...), other agencies than UN and unknown
        types are reported once, right after the MessageStart, and the body is
        passed through unvalidated.
``UCS0085`` (segment level; position = segment position in the message, UNH = 1)
    13  mandatory segment (or group: its trigger segment) missing; per CONTRL
        rules the position is that of the last segment processed before the
        place where it was expected, the tag is the missing segment's
    15  segment not supported in this position (unknown here or out of order);
        the segment is skipped and the structure state is kept
    16  too many data elements in the segment (element position = the first
        excess non-empty one; empty trailing elements are tolerated)
    35  too many repetitions of a segment
    36  too many repetitions of a segment group (reported on its trigger)
``UCD0085`` (element level; element position 1 = first data element after the
tag, component and repetition 1-based, element reference = data element or
composite number, bad value copied)
    12  invalid value (code not in the code list)
    13  mandatory data element / component missing
    16  too many constituents (components in a composite, components given to
        a simple element)
    19  invalid decimal notation (``5.``)
    35  a data element repeated (syntax 4 repetition) that is not repeatable
    37  invalid character type (non-numeric in ``n``, digit in ``a``, a 2380
        value not fitting the picture its 2379 names)
    38  missing digit in front of the decimal mark (``.5``)
    39  too long, 40 too short (a numeric's sign and decimal mark do not count)

Findings about a segment follow that segment's event; missing-segment
findings precede the segment that revealed the gap (or the MessageEnd).
Validation resumes at the next segment that fits the structure.  UNH and UNT
contents, counts and references are the envelope validator's business.

Speed: ``MessageValidator`` (the incremental form, fed lists of events) holds
the segments of a message until its MessageEnd.  A message whose tag sequence
is known to pass the structure check and whose segments all pass the element
checks is released unchanged; any other message is replayed through the
segment-by-segment validator, which also records what passed.  Element lists
are recognised by identity: the reader shares one list between identical
segment texts, and the validator keeps every list it remembers alive.  The scans
over a batch (which events are segments) and over a held message (its tags, which
element lists are not remembered) are translators/edifact/_scan.py or its C twin.
"""
from __future__ import annotations

from typing import Any, Callable, Final, Iterable, Iterator, Optional

from translators.edifact import _scan as _scan_twins
from translators.edifact.events import (
    Event, GroupEnd, GroupStart, InterchangeEnd, InterchangeStart, MessageEnd, MessageStart,
    Segment,
)
from translators.edifact.schema import (
    ENTER, NEXT, REGROUP, REPEAT, MessageSchema, load_schema,
)

# the hot loop compares transition kinds with literals
assert (REPEAT, NEXT, REGROUP, ENTER) == (0, 1, 2, 3)
from translators.extensions import pick
from translators.findings import ERROR, WARNING, Finding, Position

UCM: Final = "UCM0085"
UCS: Final = "UCS0085"
UCD: Final = "UCD0085"

NOT_SUPPORTED: Final = "14"


def find_schema(start: MessageStart) -> Optional[MessageSchema]:
    """The compiled schema for a message, None when the type/version is not supported."""
    if start.agency != "UN":
        return None
    return load_schema(start.message_type, start.version, start.release)


#: Bounds of the memories of one validator (entries; cleared when full).
KNOWN_ELEMENTS_LIMIT: Final = 8192  # element lists that passed their segment's checks
KNOWN_ELEMENTS_TEXT: Final = 256  # characters of a list's values; longer lists are not remembered
CLEAN_STRUCTURES_LIMIT: Final = 256  # tag sequences of messages without structure findings

#: translators/edifact/_scan.py or its C twin (EDI_GATEWAY_PURE=1: the Python ones)
_others, NATIVE = pick("translators.edifact._c_scan", "others", _scan_twins.others)
_scan = pick("translators.edifact._c_scan", "scan", _scan_twins.scan)[0]
_scan_py = _scan_twins.scan


def _accept(elements: list[list[str]]) -> bool:
    return True


def _small(elements: list[list[str]]) -> bool:
    """Whether an element list is small enough to be remembered (memory stays bounded)."""
    return _scan_twins.small(elements, KNOWN_ELEMENTS_TEXT)


class _Memory:
    """What one directory's segments taught the validator (see the module docstring)."""

    __slots__ = ("known", "kept", "checks", "clean")

    def __init__(self, schema: MessageSchema) -> None:
        #: id of an element list -> the tag whose checks it passed; ``kept`` holds the
        #: lists themselves, so an id cannot be reused by another list while remembered
        self.known: dict[int, str] = {}
        self.kept: dict[int, list[list[str]]] = {}
        self.checks: dict[str, Callable[[list[list[str]]], bool]] = {
            tag: spec.fast for tag, spec in schema.segments.items()}
        #: per message schema (by identity, kept alive): tag sequences that pass the
        #: structure check
        self.clean: dict[int, tuple[MessageSchema, set[tuple[str, ...]]]] = {}


    def remember(self, elements: list[list[str]], tag: str) -> None:
        if not _small(elements):
            return
        if len(self.kept) >= KNOWN_ELEMENTS_LIMIT:
            self.known.clear()
            self.kept.clear()
        self.known[id(elements)] = tag
        self.kept[id(elements)] = elements


class MessageValidator:
    """Incremental message validator: ``process(events)`` returns the events (a list, in
    order) with the findings inserted, ``close()`` what is still held at end of input."""

    def __init__(self) -> None:
        self._interchange: Optional[str] = None
        self._group: Optional[str] = None
        self._reference: Optional[str] = None
        self._message_type: Optional[str] = None
        self._schema: Optional[MessageSchema] = None
        self._segments: dict = {}
        self._row: dict = {}
        self._seg_count = 0
        self._groups: list[int] = []
        self._loop_id: Optional[str] = None
        self._subset = ""
        self._held: Optional[list[Segment]] = None  # segments of the current message
        self._memory: Optional[_Memory] = None  # of the current message's directory
        self._memories: dict[str, _Memory] = {}
        self._structure_findings = 0

    # ------------------------------------------------------------------ fast path

    def process(self, events: list[Event]) -> list[Event]:
        out: list[Event] = []
        n = len(events)
        others = _others(events, Segment)
        others.append(n)
        done = 0
        for j in others:
            if j > done:  # a run of segments
                held = self._held
                if held is not None:
                    held += events[done:j]  # type: ignore[arg-type]  # a run of Segments
                elif self._schema is None:
                    out += events[done:j]
                else:
                    self._exact(events[done:j], out)
            if j == n:
                break
            ev = events[j]
            held = self._held
            if held is not None:
                self._held = None
                if ev.__class__ is MessageEnd:
                    self._release(held, ev, out)
                else:  # anything else inside a message: validate it step by step
                    self._exact(held, out)
                    self._exact((ev,), out)
            else:
                self._exact((ev,), out)
                if ev.__class__ is MessageStart and self._schema is not None:
                    self._held = []
            done = j + 1
        return out

    def close(self) -> list[Event]:
        """End of input: segments held for a message that never ended."""
        out: list[Event] = []
        held = self._held
        if held:
            self._held = None
            self._exact(held, out)
        return out

    def _release(self, held: list[Segment], end: MessageEnd, out: list[Event]) -> None:
        schema = self._schema
        memory = self._memory
        assert schema is not None and memory is not None
        known = memory.known
        scanned = _scan(held, known, KNOWN_ELEMENTS_TEXT, Segment)
        if scanned is None:  # not only reader-made segments: the Python twin
            scanned = _scan_py(held, known, KNOWN_ELEMENTS_TEXT, Segment)
        tags, unknown, small = scanned
        entry = memory.clean.get(id(schema))
        if entry is None or entry[0] is not schema:
            entry = memory.clean[id(schema)] = (schema, set())
        clean = entry[1]
        if tags in clean and unknown is not None:
            ok = True
            if unknown:
                checks = memory.checks
                kept = memory.kept
                for u, k in enumerate(unknown):
                    el = held[k][1]
                    tag = tags[k]
                    ident = id(el)
                    if known.get(ident) == tag:  # met earlier in this message
                        continue
                    if not checks.get(tag, _accept)(el):
                        ok = False
                        break
                    if small[u]:
                        if len(kept) >= KNOWN_ELEMENTS_LIMIT:
                            known.clear()
                            kept.clear()
                        known[ident] = tag
                        kept[ident] = el
            if ok:
                out += held
                out.append(end)
                self._schema = None
                self._reference = self._message_type = None
                return
        self._structure_findings = 0
        self._exact(held, out)
        self._exact((end,), out)
        if not self._structure_findings:
            if len(clean) >= CLEAN_STRUCTURES_LIMIT:
                clean.clear()
            clean.add(tags)

    # ------------------------------------------------------------------ step by step

    def _exact(self, events: Iterable[Event], out: list[Event]) -> None:
        """The validator proper, one event at a time."""
        interchange = self._interchange
        group = self._group
        reference = self._reference
        message_type = self._message_type
        schema = self._schema
        segments = self._segments
        row = self._row
        seg_count = self._seg_count
        groups = self._groups
        loop_id = self._loop_id
        subset = self._subset
        memory = self._memory
        known = memory.known if memory is not None else {}
        structure_findings = 0
        segment_cls = Segment

        def position(seg_offset: int, **extra) -> Position:
            return Position(offset=seg_offset, interchange=interchange, group=group,
                            transaction=reference, transaction_set=message_type, **extra)

        # the event classes are told apart by ``cls`` below (no isinstance in this loop)
        event: Any
        for event in events:
            cls = event.__class__
            if cls is segment_cls and schema is not None:
                tag, elements, offset, seg_pos, repeats = event
                tr = row.get(tag)
                if tr is None:
                    out.append(event)
                    out.append(Finding(UCS, "15", f"segment {tag} not supported in this position",
                                 position(offset, segment_tag=tag, segment_position=seg_pos,
                                          loop_id=loop_id)))
                    structure_findings += 1
                    continue
                row, kind, level, limit, missing, _, loop_id, check = tr
                if kind == 0:  # REPEAT
                    seg_count += 1
                    over = seg_count > limit
                else:
                    seg_count = 1
                    over = False
                    if kind == 1:  # NEXT
                        del groups[level:]
                    elif kind == 3:  # ENTER
                        del groups[level:]
                        groups.append(1)
                    else:  # REGROUP
                        del groups[level + 1:]
                        groups[level] += 1
                        over = groups[level] > limit
                if missing:
                    for missing_tag, missing_loop in missing:
                        out.append(Finding(UCS, "13",
                                     f"mandatory segment {missing_tag} missing before {tag}",
                                     position(offset, segment_tag=missing_tag,
                                              segment_position=seg_pos - 1, loop_id=missing_loop)))
                        structure_findings += 1
                out.append(event)
                if over:
                    structure_findings += 1
                    if kind == REPEAT:
                        out.append(Finding(UCS, "35", f"segment {tag} repeated more than {limit} times",
                                     position(offset, segment_tag=tag, segment_position=seg_pos,
                                              loop_id=loop_id)))
                    else:
                        out.append(Finding(UCS, "36", f"group {loop_id} repeated more than {limit} times",
                                     position(offset, segment_tag=tag, segment_position=seg_pos,
                                              loop_id=loop_id)))
                if repeats:
                    passed = False
                elif known.get(id(elements)) == tag:
                    passed = True
                else:
                    passed = check(elements)
                    if passed and memory is not None:
                        memory.remember(elements, tag)
                if not passed:
                    spec = segments.get(tag)
                    if spec is not None:
                        for err in spec.errors(elements, repeats):
                            # too many data elements is a segment-level error (UCS 16);
                            # too many components is element-level (UCD 16)
                            field = UCS if err.code == "16" and err.component is None else UCD
                            # A subset (EANCOM...) adds its own codes to the UN lists: a code
                            # outside the UN list is then reported, not rejected.
                            severity = WARNING if err.code_list and subset else ERROR
                            message = f"{tag}: {err.message}"
                            if severity is WARNING:
                                message += f" (accepted: {subset} may define it)"
                            out.append(Finding(field, err.code, message,
                                         position(offset, segment_tag=tag, segment_position=seg_pos,
                                                  loop_id=loop_id, element_position=err.element,
                                                  component_position=err.component,
                                                  repetition=err.repetition,
                                                  element_reference=err.reference,
                                                  bad_value=err.value), severity))
                continue
            if cls is MessageStart:
                reference = event.reference
                message_type = event.message_type
                subset = event.association_code
                schema = find_schema(event)
                groups = []
                seg_count = 1
                loop_id = None
                out.append(event)
                if schema is None:
                    ident = ":".join(p for p in (event.message_type, event.version, event.release,
                                                 event.agency, event.association_code) if p)
                    out.append(Finding(UCM, NOT_SUPPORTED,
                                 f"message type/version {ident} not supported; body not validated",
                                 position(event.offset, segment_tag="UNH", segment_position=1,
                                          element_reference="S009", bad_value=ident)))
                    segments = {}
                    row = {}
                    memory = None
                    known = {}
                else:
                    segments = schema.segments
                    row = schema.start
                    memory = self._memories.get(schema.directory)
                    if memory is None:
                        memory = self._memories[schema.directory] = _Memory(schema)
                    known = memory.known
                continue
            if cls is MessageEnd:
                if schema is not None:
                    tr = row.get(schema.end_tag)
                    # the last segment processed: UNT is counted when present
                    last_position = event.segment_count - (event.trailer is not None)
                    if tr is not None:
                        for missing_tag, missing_loop in tr.missing:
                            out.append(Finding(UCS, "13",
                                         f"mandatory segment {missing_tag} missing at end "
                                         "of message",
                                         position(event.offset, segment_tag=missing_tag,
                                                  segment_position=last_position,
                                                  loop_id=missing_loop)))
                            structure_findings += 1
                out.append(event)
                schema = None
                reference = message_type = None
                continue
            if cls is InterchangeStart:
                interchange = event.control_reference
                group = None
                schema = None
            elif cls is GroupStart:
                group = event.control_reference
            elif cls is GroupEnd:
                group = None
            elif cls is InterchangeEnd:
                interchange = None
                group = None
            out.append(event)
        self._interchange = interchange
        self._group = group
        self._reference = reference
        self._message_type = message_type
        self._schema = schema
        self._segments = segments
        self._row = row
        self._seg_count = seg_count
        self._groups = groups
        self._loop_id = loop_id
        self._subset = subset
        self._memory = memory
        self._structure_findings += structure_findings


def validate_messages(events: Iterable[Event]) -> Iterator[Event]:
    """Pass ``events`` through, inserting message, segment and element findings."""
    validator = MessageValidator()
    if isinstance(events, list):
        yield from validator.process(events)
    else:
        process = validator.process
        for event in events:
            out = process([event])
            if out:
                yield from out
    yield from validator.close()
