"""Mappings between X12 transaction sets and the canonical model.

Reading: ``map_transaction(set_id, segments, context)`` turns the body
segments of one transaction set (ST and SE excluded, as the reader emits them)
into a canonical document: 850 -> PurchaseOrder, 855 -> OrderResponse,
856 -> ShipNotice, 997/999 -> FunctionalAck.  Missing or unparseable business
data raises ``MappingError`` (an ``EDIError``) naming segment and element.

Writing: ``document_segments(doc, version)`` gives the body segments of the
transaction set for a canonical document (see translators.x12.writer).
"""
from __future__ import annotations

from typing import Any, Callable, Final, Iterable

from translators.canonical import (
    Document, FunctionalAck, OrderResponse, PurchaseOrder, ShipNotice,
)
from translators.findings import EDIError
from translators.x12.events import Segment
from translators.x12.mapping import fa997, po850, po855, sh856
from translators.x12.mapping.common import MappingContext, MappingError, fix_text

__all__ = [
    "MAPPERS", "WRITERS", "MappingContext", "MappingError", "map_transaction",
    "document_segments", "set_info", "fix_text",
]

MAPPERS: Final[dict[str, Callable[[Iterable[Segment], MappingContext], Document]]] = {
    "850": po850.read,
    "855": po855.read,
    "856": sh856.read,
    "997": fa997.read,
    "999": fa997.read,
}

#: canonical type -> (functional id GS01, writer)
WRITERS: Final[dict[type, tuple[str, Callable[..., list[list]]]]] = {
    PurchaseOrder: ("PO", po850.write),
    OrderResponse: ("PR", po855.write),
    ShipNotice: ("SH", sh856.write),
    FunctionalAck: ("FA", fa997.write),
}
SET_IDS: Final[dict[type, str]] = {PurchaseOrder: "850", OrderResponse: "855", ShipNotice: "856"}


def map_transaction(set_id: str, segments: Iterable[Segment], context: MappingContext) -> Document:
    mapper = MAPPERS.get(set_id)
    if mapper is None:
        raise MappingError(f"no mapping for transaction set {set_id!r} "
                           f"(supported: {', '.join(MAPPERS)})", None, None, context)
    return mapper(segments, context)


def set_info(doc: Any) -> tuple[str, str]:
    """(functional id GS01, transaction set id ST01) for a canonical document."""
    entry = WRITERS.get(type(doc))
    if entry is None:
        raise EDIError(f"cannot write {type(doc).__name__} as X12")
    if isinstance(doc, FunctionalAck):
        return entry[0], doc.ack_type
    return entry[0], SET_IDS[type(doc)]


def document_segments(doc: Any, version: str) -> list[list]:
    """Body segments (ST/SE excluded) of the X12 transaction set for ``doc``."""
    entry = WRITERS.get(type(doc))
    if entry is None:
        raise EDIError(f"cannot write {type(doc).__name__} as X12")
    return entry[1](doc, version)
