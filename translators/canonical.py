"""The canonical document model shared by the X12 and EDIFACT translators.

Nothing here knows a standard: codes are the gateway's own vocabulary (see
docs/canonical-model.md) and each standard's mapping translates its qualifiers
into it.  Quantities and prices are ``Decimal``; dates are ``datetime.date``;
times are ``datetime.time``.  ``to_dict``/``from_dict`` give the JSON shape
used by ``edi-gateway translate`` and ``render`` (Decimals and dates become
strings, so nothing is ever rounded through a float).

Vocabularies (strings, so a partner's unusual code survives as ``"x12:ZZ"`` or
``"edifact:ZZZ"`` rather than being dropped):

* ``Party.role``: buyer, seller, supplier, ship_to, bill_to, ship_from,
  remit_to, manufacturer, carrier, or a prefixed raw code.
* ``Party.id_scheme``: gln, duns, duns4, buyer_assigned, seller_assigned,
  mutually_defined, or a prefixed raw code.
* ``ProductId.scheme``: buyer, vendor, gtin, manufacturer, sku, or a prefixed
  raw code.  ``gtin`` holds GTIN-8/12/13/14 (UPC, EAN) values.
* units: UN/ECE Recommendation 20 codes (EA, PCE, KGM, CS, ...).
"""
from __future__ import annotations

import dataclasses
import datetime as _dt
import types
import typing
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any, Optional, Union


class CanonicalError(ValueError):
    """A canonical document (usually JSON from a user) is malformed."""


@dataclass(slots=True)
class Reference:
    """A reference number with its canonical qualifier (contract, vendor_order...)."""

    qualifier: str
    value: str


@dataclass(slots=True)
class Contact:
    name: Optional[str] = None
    phone: Optional[str] = None
    email: Optional[str] = None


@dataclass(slots=True)
class Party:
    role: str
    name: Optional[str] = None
    id: Optional[str] = None
    id_scheme: Optional[str] = None
    address: list[str] = field(default_factory=list)
    city: Optional[str] = None
    state: Optional[str] = None
    postal_code: Optional[str] = None
    country: Optional[str] = None
    contact: Optional[Contact] = None


@dataclass(slots=True)
class ProductId:
    scheme: str
    value: str


@dataclass(slots=True)
class OrderLine:
    line_number: str
    quantity: Decimal
    unit: str
    product_ids: list[ProductId] = field(default_factory=list)
    unit_price: Optional[Decimal] = None
    description: Optional[str] = None
    requested_delivery_date: Optional[_dt.date] = None
    requested_ship_date: Optional[_dt.date] = None


@dataclass(slots=True)
class PurchaseOrder:
    number: str
    date: _dt.date
    purpose: str = "original"  # original | cancellation | replace | change | confirmation
    order_type: str = "standalone"  # standalone | blanket | release | dropship | or prefixed raw
    currency: Optional[str] = None
    release_number: Optional[str] = None
    requested_delivery_date: Optional[_dt.date] = None
    requested_ship_date: Optional[_dt.date] = None
    parties: list[Party] = field(default_factory=list)
    references: list[Reference] = field(default_factory=list)
    lines: list[OrderLine] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


@dataclass(slots=True)
class ResponseLine:
    line_number: str
    # accepted | quantity_changed | date_changed | price_changed | changed |
    # rejected | backordered | substituted | or a prefixed raw code
    status: str
    quantity: Optional[Decimal] = None  # quantity the seller commits to
    unit: Optional[str] = None
    ordered_quantity: Optional[Decimal] = None
    unit_price: Optional[Decimal] = None
    scheduled_date: Optional[_dt.date] = None  # delivery/ship date the seller commits to
    product_ids: list[ProductId] = field(default_factory=list)
    description: Optional[str] = None


@dataclass(slots=True)
class OrderResponse:
    number: str
    date: _dt.date
    order_number: str
    # accepted | accepted_with_changes | rejected | or a prefixed raw code
    status: str
    order_date: Optional[_dt.date] = None
    purpose: str = "original"
    currency: Optional[str] = None
    parties: list[Party] = field(default_factory=list)
    references: list[Reference] = field(default_factory=list)
    lines: list[ResponseLine] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


@dataclass(slots=True)
class Lot:
    number: str
    quantity: Optional[Decimal] = None
    expiry_date: Optional[_dt.date] = None


@dataclass(slots=True)
class ShipItem:
    line_number: Optional[str]
    quantity: Decimal
    unit: str
    product_ids: list[ProductId] = field(default_factory=list)
    ordered_quantity: Optional[Decimal] = None
    lot: Optional[str] = None
    expiry_date: Optional[_dt.date] = None
    serials: list[str] = field(default_factory=list)
    description: Optional[str] = None


@dataclass(slots=True)
class Pack:
    sscc: Optional[str] = None
    package_type: Optional[str] = None  # UN/ECE Rec 21 style code or prefixed raw (CTN, PLT...)
    items: list[ShipItem] = field(default_factory=list)
    packs: list["Pack"] = field(default_factory=list)  # e.g. cartons on a pallet


@dataclass(slots=True)
class ShipmentOrder:
    order_number: str
    order_date: Optional[_dt.date] = None
    items: list[ShipItem] = field(default_factory=list)  # items not packed
    packs: list[Pack] = field(default_factory=list)


@dataclass(slots=True)
class ShipNotice:
    number: str
    date: _dt.date
    purpose: str = "original"
    shipped_date: Optional[_dt.date] = None
    estimated_delivery_date: Optional[_dt.date] = None
    carrier: Optional[str] = None  # SCAC or carrier code
    carrier_name: Optional[str] = None
    transport_mode: Optional[str] = None
    tracking_number: Optional[str] = None
    bill_of_lading: Optional[str] = None
    gross_weight: Optional[Decimal] = None
    weight_unit: Optional[str] = None
    package_count: Optional[Decimal] = None
    parties: list[Party] = field(default_factory=list)
    references: list[Reference] = field(default_factory=list)
    orders: list[ShipmentOrder] = field(default_factory=list)


@dataclass(slots=True)
class AckError:
    """One error reported inside an acknowledgment (AK3/AK4, IK3/IK4, UCS/UCD)."""

    code: str  # the standard's error code (AK304/AK403/IK304/IK403/0085)
    segment_tag: Optional[str] = None
    segment_position: Optional[int] = None
    loop_id: Optional[str] = None
    element_position: Optional[int] = None
    component_position: Optional[int] = None
    repetition: Optional[int] = None
    element_reference: Optional[str] = None
    bad_value: Optional[str] = None
    level: str = "segment"  # segment | element


@dataclass(slots=True)
class AckedTransaction:
    set_id: str  # AK201 / UCM 0065
    control_number: str  # AK202 / UCM 0062
    status: str  # accepted | accepted_with_errors | partially_accepted | rejected
    codes: list[str] = field(default_factory=list)  # AK502.. / IK502.. / UCM 0085
    errors: list[AckError] = field(default_factory=list)
    implementation_reference: Optional[str] = None


@dataclass(slots=True)
class FunctionalAck:
    """997, 999 or CONTRL answering one of our outbound groups/interchanges."""

    ack_type: str  # 997 | 999 | CONTRL
    status: str  # accepted | accepted_with_errors | partially_accepted | rejected | received
    functional_id: Optional[str] = None  # AK101 (PO, PR, SH...)
    group_control_number: Optional[str] = None  # AK102 / UCF 0048
    interchange_control_number: Optional[str] = None  # UCI 0020
    version: Optional[str] = None  # AK103
    transactions: list[AckedTransaction] = field(default_factory=list)
    codes: list[str] = field(default_factory=list)  # AK905.. / UCI 0085
    included: Optional[int] = None  # AK902
    received: Optional[int] = None  # AK903
    accepted: Optional[int] = None  # AK904


DOCUMENT_TYPES: dict[str, type] = {
    "purchase_order": PurchaseOrder,
    "order_response": OrderResponse,
    "ship_notice": ShipNotice,
    "functional_ack": FunctionalAck,
}
TYPE_NAMES: dict[type, str] = {v: k for k, v in DOCUMENT_TYPES.items()}

Document = Union[PurchaseOrder, OrderResponse, ShipNotice, FunctionalAck]


# --------------------------------------------------------------------------- JSON

_FIELD_NAMES: dict[type, tuple[str, ...]] = {}


def to_dict(obj: Any) -> Any:
    """Dataclass tree -> JSON-ready dict.  None values and empty lists are omitted."""
    cls = type(obj)
    names = _FIELD_NAMES.get(cls)
    if names is None:
        if not dataclasses.is_dataclass(obj):
            if cls is list:
                return [to_dict(v) for v in obj]
            if isinstance(obj, Decimal):
                return _decimal_text(obj)
            if isinstance(obj, (_dt.date, _dt.time)):
                return obj.isoformat()
            return obj
        names = _FIELD_NAMES[cls] = tuple(f.name for f in dataclasses.fields(obj))
    out: dict[str, Any] = {}
    for name in names:
        value = getattr(obj, name)
        if value is None:
            continue
        t = type(value)
        if t is str or t is int or t is bool:
            out[name] = value
        elif t is list:
            if value:
                out[name] = [to_dict(v) for v in value]
        elif t is Decimal:
            out[name] = _decimal_text(value)
        else:
            out[name] = to_dict(value)
    return out


def _decimal_text(value: Decimal) -> str:
    text = format(value, "f")
    return text


def document_to_dict(doc: Document) -> dict[str, Any]:
    return {"type": TYPE_NAMES[type(doc)], "content": to_dict(doc)}


def document_from_dict(data: Any, where: str = "document") -> Document:
    """Inverse of ``document_to_dict``; raises CanonicalError naming the bad field."""
    if not isinstance(data, dict) or "type" not in data or "content" not in data:
        raise CanonicalError(f"{where}: expected an object with 'type' and 'content'")
    cls = DOCUMENT_TYPES.get(data["type"])
    if cls is None:
        raise CanonicalError(
            f"{where}.type: unknown document type {data['type']!r} "
            f"(one of {', '.join(DOCUMENT_TYPES)})")
    return from_dict(cls, data["content"], f"{where}.content")


_HINTS: dict[type, dict[str, Any]] = {}


def _hints(cls: type) -> dict[str, Any]:
    hints = _HINTS.get(cls)
    if hints is None:
        hints = typing.get_type_hints(cls)
        _HINTS[cls] = hints
    return hints


_PLANS: dict[type, tuple[frozenset[str], tuple[tuple[str, Any, int], ...]]] = {}
_REQUIRED, _DEFAULTED, _NONE_IF_MISSING = 0, 1, 2


def _plan(cls: type) -> tuple[frozenset[str], tuple[tuple[str, Any, int], ...]]:
    plan = _PLANS.get(cls)
    if plan is None:
        hints = _hints(cls)
        fields = []
        for f in dataclasses.fields(cls):
            if f.default is not dataclasses.MISSING or f.default_factory is not dataclasses.MISSING:
                mode = _DEFAULTED
            else:
                mode = _NONE_IF_MISSING if _optional(hints[f.name]) else _REQUIRED
            fields.append((f.name, hints[f.name], mode))
        plan = _PLANS[cls] = (frozenset(f[0] for f in fields), tuple(fields))
    return plan


def from_dict(cls: type, data: Any, where: str = "") -> Any:
    if not isinstance(data, dict):
        raise CanonicalError(f"{where}: expected an object, got {type(data).__name__}")
    names, fields = _plan(cls)
    if not names.issuperset(data):
        unknown = set(data) - names
        raise CanonicalError(f"{where}: unknown field(s) {', '.join(sorted(unknown))}")
    kwargs = {}
    for name, hint, mode in fields:
        if name in data:
            value = data[name]
            if hint is str and type(value) is str:
                kwargs[name] = value
            else:
                kwargs[name] = _convert(hint, value, f"{where}.{name}")
        elif mode == _NONE_IF_MISSING:
            kwargs[name] = None  # to_dict omits None values
        elif mode == _REQUIRED:
            raise CanonicalError(f"{where}.{name}: required field missing")
    return cls(**kwargs)


def _optional(tp: Any) -> bool:
    return (typing.get_origin(tp) in (Union, types.UnionType)
            and type(None) in typing.get_args(tp))


_SHAPES: dict[Any, tuple[str, Any]] = {}


def _shape(tp: Any) -> tuple[str, Any]:
    shape = _SHAPES.get(tp)
    if shape is None:
        origin = typing.get_origin(tp)
        if origin in (Union, types.UnionType):
            shape = ("optional", [a for a in typing.get_args(tp) if a is not type(None)][0])
        elif origin is list:
            shape = ("list", typing.get_args(tp)[0])
        else:
            shape = ("plain", None)
        _SHAPES[tp] = shape
    return shape


def _convert(tp: Any, value: Any, where: str) -> Any:
    kind, inner = _shape(tp)
    if kind == "optional":
        if value is None:
            return None
        if inner is str and type(value) is str:
            return value
        return _convert(inner, value, where)
    if kind == "list":
        if not isinstance(value, list):
            raise CanonicalError(f"{where}: expected a list")
        return [_convert(inner, v, f"{where}[{i}]") for i, v in enumerate(value)]
    if tp is Decimal:
        if isinstance(value, bool) or not isinstance(value, (str, int, float)):
            raise CanonicalError(f"{where}: expected a decimal number as a string")
        try:
            result = Decimal(str(value))
        except InvalidOperation:
            raise CanonicalError(f"{where}: {value!r} is not a decimal number") from None
        if not result.is_finite():
            raise CanonicalError(f"{where}: {value!r} is not a finite number")
        return result
    if tp is _dt.date:
        try:
            return _dt.date.fromisoformat(value)
        except (TypeError, ValueError):
            raise CanonicalError(f"{where}: {value!r} is not a date (YYYY-MM-DD)") from None
    if tp is _dt.time:
        try:
            return _dt.time.fromisoformat(value)
        except (TypeError, ValueError):
            raise CanonicalError(f"{where}: {value!r} is not a time (HH:MM[:SS])") from None
    if tp is int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise CanonicalError(f"{where}: expected an integer")
        return value
    if tp is str:
        if not isinstance(value, str):
            raise CanonicalError(f"{where}: expected a string")
        return value
    if dataclasses.is_dataclass(tp):
        return from_dict(tp, value, where)
    raise CanonicalError(f"{where}: unsupported type {tp!r}")  # pragma: no cover
