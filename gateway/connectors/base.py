"""The contract between the engine and an ERP connector (files, Odoo).

Connectors know the ERP and the canonical model (translators.canonical); they never see EDI
syntax or transports.  The engine calls them inside its retry discipline: raise
``gateway.errors.TransientError`` when the ERP is unreachable or busy (the engine retries
with backoff), ``PermanentError`` when the document can never apply (the engine
dead-letters it with the message; the message names the order, line, product or unit code).

Idempotency: every call carries ``key``, the engine's stable id for the gateway document.
A connector records which key produced which ERP change and, when called again with a key
it has already applied (a crash after the ERP write but before the engine committed), returns
the earlier result without writing again.
"""
from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass, field
from typing import Any, Iterable, Mapping, Optional, Protocol

from translators import canonical


@dataclass(frozen=True)
class Delivery:
    key: str  # gateway document id (idempotency key)
    partner: str  # profile name
    document: canonical.Document  # PurchaseOrder | OrderResponse | ShipNotice | FunctionalAck
    meta: Mapping[str, Any] = field(default_factory=dict)  # standard, version, control numbers
    #: ``canonical.to_dict(document)`` when the caller has it already (the engine reads the
    #: document from that JSON): connectors that write JSON use it instead of converting again
    content: Optional[Mapping[str, Any]] = None

    def canonical_content(self) -> Mapping[str, Any]:
        return self.content if self.content is not None else canonical.to_dict(self.document)


@dataclass(frozen=True)
class ErpException:
    """Something a person must look at (an over-shipment, an unknown item, a rejection)."""

    code: str  # short machine name: unknown_order, unknown_product, over_shipment, rejected_line...
    message: str  # names the order, line, product or unit code


@dataclass(frozen=True)
class DeliveryResult:
    key: str
    effects: tuple[str, ...] = ()  # human-readable list of ERP changes made (or already made)
    exceptions: tuple[ErpException, ...] = ()
    erp_refs: Mapping[str, Any] = field(default_factory=dict)  # e.g. {"purchase.order": 42}
    replayed: bool = False  # True: this key had been applied before; nothing was written now


@dataclass(frozen=True)
class Outbound:
    """A document the ERP wants sent (a confirmed PO, a confirmed sale order's 855, a delivery's 856)."""

    key: str  # stable: the same ERP event always gives the same key ("purchase.order/42/confirm")
    partner: str  # profile name
    document: canonical.Document
    erp_ref: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class SentNotice:
    """Told to the connector once an outbound document has left (for the chatter message)."""

    key: str
    partner: str
    when: _dt.datetime
    standard: str
    version: str
    control_numbers: Mapping[str, str]  # interchange, group, transaction
    transport_id: str


@dataclass(frozen=True)
class AckNotice:
    """An acknowledgment or response reconciled against an outbound document we sent."""

    key: str  # the outbound document's key
    partner: str
    kind: str  # mdn | functional_ack | business_response
    status: str  # accepted | accepted_with_errors | rejected | missing
    detail: str = ""


class Connector(Protocol):
    """Built by the engine from the gateway configuration with
    ``Cls.from_config(settings: Mapping[str, Any], *, profiles: Callable[[str], Profile | None],
    base_dir: Path, env: Mapping[str, str])``."""

    name: str

    def deliver(self, delivery: Delivery) -> DeliveryResult:
        ...

    def extract(self, partners: Iterable[str], watermark: Optional[str]) -> tuple[list[Outbound], Optional[str]]:
        """Outbound documents changed since ``watermark``; returns them and the new watermark."""
        ...

    def outbound_for(self, kind: str, ref: str) -> list[Outbound]:
        """On demand (``edi-gateway send KIND REF``): e.g. kind "po", ref "P00042"."""
        ...

    def sent(self, notice: SentNotice) -> None:
        ...

    def acknowledged(self, notice: AckNotice) -> None:
        ...

    def close(self) -> None:
        ...
