"""Canonical documents -> X12 interchange (004010 or 005010).

``render`` groups documents into functional groups by type (PO for 850, PR
for 855, SH for 856, FA for 997/999), in the order each type first appears,
and wraps them in one interchange through translators.x12.serialize.
Anything the canonical document cannot express in X12 (a unit without an X12
code, a value containing a delimiter, a missing order number...) raises
``EDIError`` naming the field.
"""
from __future__ import annotations

import datetime as _dt
from typing import Optional, Sequence

from translators.canonical import Document
from translators.findings import ERROR, EDIError, Finding
from translators.x12 import mapping, serialize

__all__ = ["render", "document_segments", "build_groups"]


def document_segments(doc: Document, version: str) -> list[list]:
    """Body segments of one transaction set (ST/SE excluded); elements[0] is the tag."""
    try:
        return mapping.document_segments(doc, version)
    except EDIError:
        raise
    except (TypeError, AttributeError, ValueError, ArithmeticError) as exc:
        raise EDIError(f"malformed canonical {type(doc).__name__}: {exc}") from None


def build_groups(documents: Sequence[Document], version: str) -> list[serialize.FunctionalGroup]:
    groups: dict[str, serialize.FunctionalGroup] = {}
    implementation = version if len(version) > 6 and version[:6] >= "005010" else None
    for doc in documents:
        functional_id, set_id = mapping.set_info(doc)
        group = groups.get(functional_id)
        if group is None:
            group = groups[functional_id] = serialize.FunctionalGroup(functional_id, [])
        group.transactions.append(serialize.TransactionSet(
            set_id, document_segments(doc, version), implementation_reference=implementation))
    return list(groups.values())


def render(documents: Sequence[Document], envelope: serialize.Envelope,
           counter: serialize.ControlNumbers,
           now: Optional[_dt.datetime] = None, check: bool = True) -> serialize.Written:
    """One interchange holding ``documents``.  With ``check`` (the default) the
    result is read back through the reader and schema validator and any error
    (an element too short or too long, a code outside its list...) raises
    ``EDIError`` naming segment and element, so nothing invalid is sent."""
    if not documents:
        raise EDIError("nothing to render: no documents")
    envelope.isa_version()  # rejects versions other than 004010/005010 early
    groups = build_groups(documents, envelope.version)
    written = serialize.render_interchange(groups, envelope, counter, now)
    if check:
        check_written(written)
    return written


def check_written(written: serialize.Written) -> None:
    """Raise EDIError when the schema validator finds an error in ``written``."""
    from translators.x12.reader import iter_events
    from translators.x12.validator import validate_transactions

    errors: list[Finding] = [
        ev for ev in validate_transactions(iter_events(written.encode()))
        if isinstance(ev, Finding) and ev.severity == ERROR]
    if errors:
        detail = [f for f in errors if f.field == "AK403"] or errors
        raise EDIError("the canonical document cannot be written as valid X12: "
                       + "; ".join(f.describe() for f in detail[:3]))
