"""Validation findings: events, never exceptions.

A finding is named by the acknowledgment field it fills (stupidedi's habit):
``TA105`` (interchange note code), ``AK905`` (group), ``AK502`` (transaction
set), ``AK304`` (segment), ``AK403`` (element) for X12, and ``UCI0085``,
``UCF0085``, ``UCM0085``, ``UCS0085``, ``UCD0085`` for EDIFACT CONTRL.  The 999
builder maps the AK fields onto IK fields.  An acknowledgment is then a pure
fold over the findings of an interchange.

Every finding carries its position: byte offset in the file and the control
numbers of the interchange, group and transaction it belongs to, plus segment,
element, component and repetition positions where they apply.
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Optional

ERROR = "error"
WARNING = "warning"

#: Which envelope level a finding field belongs to.
LEVELS = {
    "TA105": "interchange",
    "AK905": "group",
    "AK502": "transaction",
    "AK304": "segment",
    "AK403": "element",
    "UCI0085": "interchange",
    "UCF0085": "group",
    "UCM0085": "transaction",
    "UCS0085": "segment",
    "UCD0085": "element",
}


@dataclass(frozen=True, slots=True)
class Position:
    offset: int = 0  # byte offset of the segment in the file (or stream)
    interchange: Optional[str] = None  # ISA13 / UNB 0020
    group: Optional[str] = None  # GS06 / UNG 0048
    transaction: Optional[str] = None  # ST02 / UNH 0062
    transaction_set: Optional[str] = None  # ST01 / UNH 0065 (850, ORDERS...)
    segment_tag: Optional[str] = None
    segment_position: Optional[int] = None  # 1 = ST/UNH; counted in the transaction
    loop_id: Optional[str] = None  # AK303 / IK303
    element_position: Optional[int] = None  # 1-based
    component_position: Optional[int] = None  # 1-based
    repetition: Optional[int] = None  # 1-based
    element_reference: Optional[str] = None  # data element number (AK404)
    bad_value: Optional[str] = None  # copy of the bad data (AK404 / IK404)

    def describe(self) -> str:
        parts = [f"offset {self.offset}"]
        if self.interchange is not None:
            parts.append(f"interchange {self.interchange}")
        if self.group is not None:
            parts.append(f"group {self.group}")
        if self.transaction is not None:
            label = f"transaction {self.transaction}"
            if self.transaction_set:
                label += f" ({self.transaction_set})"
            parts.append(label)
        if self.segment_tag is not None or self.segment_position is not None:
            seg = "segment"
            if self.segment_position is not None:
                seg += f" {self.segment_position}"
            if self.segment_tag:
                seg += f" {self.segment_tag}"
            parts.append(seg)
        if self.element_position is not None:
            el = f"element {self.element_position:02d}"
            if self.component_position is not None:
                el += f"-{self.component_position}"
            if self.repetition is not None:
                el += f" repetition {self.repetition}"
            if self.element_reference:
                el += f" (ref {self.element_reference})"
            parts.append(el)
        return ", ".join(parts)


@dataclass(frozen=True, slots=True)
class Finding:
    field: str  # acknowledgment field this finding fills: TA105, AK304, AK403, UCS0085...
    code: str  # the value for that field
    message: str  # for humans
    position: Position
    severity: str = ERROR  # error | warning (warnings never reject)

    @property
    def level(self) -> str:
        return LEVELS.get(self.field, "interchange")

    def describe(self, filename: Optional[str] = None) -> str:
        where = self.position.describe()
        prefix = f"{filename}: " if filename else ""
        return f"{prefix}{where}: {self.message} [{self.field}={self.code}]"

    def with_position(self, **changes) -> "Finding":
        return replace(self, position=replace(self.position, **changes))


class EDIError(Exception):
    """The only exception type the translators let escape on bad input.

    Readers and validators report problems as findings; this is raised only
    where a caller asked for something impossible (e.g. rendering a malformed
    canonical document) so the CLI can print a clear message instead of a
    traceback.
    """
