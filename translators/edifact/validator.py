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
"""
from __future__ import annotations

from typing import Iterable, Iterator, Optional

from translators.edifact.events import (
    Event, GroupEnd, GroupStart, InterchangeEnd, InterchangeStart, MessageEnd, MessageStart,
    Segment,
)
from translators.edifact.schema import ENTER, NEXT, REGROUP, REPEAT, MessageSchema, load_schema

# the hot loop compares transition kinds with literals
assert (REPEAT, NEXT, REGROUP, ENTER) == (0, 1, 2, 3)
from translators.findings import ERROR, WARNING, Finding, Position

UCM = "UCM0085"
UCS = "UCS0085"
UCD = "UCD0085"

NOT_SUPPORTED = "14"


def find_schema(start: MessageStart) -> Optional[MessageSchema]:
    """The compiled schema for a message, None when the type/version is not supported."""
    if start.agency != "UN":
        return None
    return load_schema(start.message_type, start.version, start.release)


def validate_messages(events: Iterable[Event]) -> Iterator[Event]:
    """Pass ``events`` through, inserting message, segment and element findings."""
    interchange: Optional[str] = None
    group: Optional[str] = None
    reference: Optional[str] = None
    message_type: Optional[str] = None
    schema: Optional[MessageSchema] = None
    segments: dict = {}
    row: dict = {}
    seg_count = 0
    groups: list[int] = []
    loop_id: Optional[str] = None
    subset = ""  # association code of the message (EAN008...)
    segment_cls = Segment

    def position(seg_offset: int, **extra) -> Position:
        return Position(offset=seg_offset, interchange=interchange, group=group,
                        transaction=reference, transaction_set=message_type, **extra)

    for event in events:
        cls = event.__class__
        if cls is segment_cls and schema is not None:
            tag, elements, offset, seg_pos, repeats = event
            tr = row.get(tag)
            if tr is None:
                yield event
                yield Finding(UCS, "15", f"segment {tag} not supported in this position",
                              position(offset, segment_tag=tag, segment_position=seg_pos,
                                       loop_id=loop_id))
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
                    yield Finding(UCS, "13", f"mandatory segment {missing_tag} missing before {tag}",
                                  position(offset, segment_tag=missing_tag,
                                           segment_position=seg_pos - 1, loop_id=missing_loop))
            yield event
            if over:
                if kind == REPEAT:
                    yield Finding(UCS, "35", f"segment {tag} repeated more than {limit} times",
                                  position(offset, segment_tag=tag, segment_position=seg_pos,
                                           loop_id=loop_id))
                else:
                    yield Finding(UCS, "36", f"group {loop_id} repeated more than {limit} times",
                                  position(offset, segment_tag=tag, segment_position=seg_pos,
                                           loop_id=loop_id))
            if repeats or not check(elements):
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
                        yield Finding(field, err.code, message,
                                      position(offset, segment_tag=tag, segment_position=seg_pos,
                                               loop_id=loop_id, element_position=err.element,
                                               component_position=err.component,
                                               repetition=err.repetition,
                                               element_reference=err.reference,
                                               bad_value=err.value), severity)
            continue
        if cls is MessageStart:
            reference = event.reference
            message_type = event.message_type
            subset = event.association_code
            schema = find_schema(event)
            groups = []
            seg_count = 1
            loop_id = None
            yield event
            if schema is None:
                ident = ":".join(p for p in (event.message_type, event.version, event.release,
                                             event.agency, event.association_code) if p)
                yield Finding(UCM, NOT_SUPPORTED,
                              f"message type/version {ident} not supported; body not validated",
                              position(event.offset, segment_tag="UNH", segment_position=1,
                                       element_reference="S009", bad_value=ident))
                segments = {}
                row = {}
            else:
                segments = schema.segments
                row = schema.start
            continue
        if cls is MessageEnd:
            if schema is not None:
                tr = row.get(schema.end_tag)
                # the last segment processed: UNT is counted when present
                last_position = event.segment_count - (event.trailer is not None)
                if tr is not None:
                    for missing_tag, missing_loop in tr.missing:
                        yield Finding(UCS, "13",
                                      f"mandatory segment {missing_tag} missing at end of message",
                                      position(event.offset, segment_tag=missing_tag,
                                               segment_position=last_position,
                                               loop_id=missing_loop))
            yield event
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
        yield event
