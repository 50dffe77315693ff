"""UN/EDIFACT ORDERS / ORDRSP / DESADV (D96A, D01B) <-> canonical documents.

Reading::

    doc = map_message("ORDERS", body_segments, MappingContext(directory="D96A", ...))

``body_segments`` are the reader's ``Segment`` events between UNH and UNT
(both excluded).  Bad business data raises ``MappingError`` (an ``EDIError``)
naming the segment position, tag, element and component; nothing else escapes.

Writing::

    segments = message_segments(doc, "D01B")  # body segments, UNH/UNT excluded
"""
from __future__ import annotations

from typing import Any, Callable, Final, Iterable

from translators.canonical import Document, OrderResponse, PurchaseOrder, ShipNotice
from translators.edifact.events import Segment
from translators.edifact.mapping import desadv, orders, ordrsp
from translators.edifact.mapping.common import DIRECTORIES, MappingContext, MappingError
from translators.findings import EDIError

#: Message type (UNH 0065) -> reader of its body segments.
MAPPERS: Final[dict[str, Callable[[Iterable[Segment], MappingContext], Document]]] = {
    "ORDERS": orders.read,
    "ORDRSP": ordrsp.read,
    "DESADV": desadv.read,
}

#: Canonical document class -> (message type, writer of its body segments).
WRITERS: Final[dict[type, tuple[str, Callable[..., list[list]]]]] = {
    PurchaseOrder: ("ORDERS", orders.write),
    OrderResponse: ("ORDRSP", ordrsp.write),
    ShipNotice: ("DESADV", desadv.write),
}


def map_message(message_type: str, segments: Iterable[Segment],
                context: MappingContext) -> Document:
    mapper = MAPPERS.get(message_type)
    if mapper is None:
        raise MappingError(f"no mapping for message type {message_type!r} "
                           f"(supported: {', '.join(MAPPERS)})", None, None, None, context)
    try:
        return mapper(segments, context)
    except EDIError:
        raise
    except (IndexError, TypeError, AttributeError, ValueError, ArithmeticError,
            RecursionError) as exc:  # malformed segment shapes: never a traceback
        raise MappingError(f"cannot map {message_type}: {exc.__class__.__name__}: {exc}",
                           None, None, None, context) from None


def message_type_of(doc: Any) -> str:
    entry = WRITERS.get(type(doc))
    if entry is None:
        raise EDIError(f"{type(doc).__name__} cannot be written as an EDIFACT message")
    return entry[0]


def message_segments(doc: Any, directory: str) -> list[list]:
    """Body segments (UNH/UNT excluded) of ``doc`` as element lists."""
    if directory not in DIRECTORIES:
        raise EDIError(f"unsupported EDIFACT directory {directory!r} "
                       f"(use {' or '.join(DIRECTORIES)})")
    entry = WRITERS.get(type(doc))
    if entry is None:
        raise EDIError(f"{type(doc).__name__} cannot be written as an EDIFACT message")
    try:
        return entry[1](doc, directory)
    except EDIError:
        raise
    except (AttributeError, TypeError, ValueError, ArithmeticError) as exc:
        raise EDIError(f"malformed {type(doc).__name__}: {exc}") from None


__all__ = ["MAPPERS", "WRITERS", "MappingContext", "MappingError", "map_message",
           "message_segments", "message_type_of"]
