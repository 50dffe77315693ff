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

import ast
import copy
import dataclasses
import datetime as _dt
import types
import typing
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any, Callable, Optional, Union

from translators import _native


class CanonicalError(ValueError):
    """A canonical document (usually JSON from a user) is malformed."""


def _rebuild(cls: Any, values: dict[str, Any]) -> Any:
    return cls(**values)


class _Model:
    """Base of the model classes: copy, deepcopy and pickle through the fields and
    ``__init__``.  (The default protocol recreates an object with ``cls.__new__(cls)``; for
    the compiled classes that runs the native ``__init__`` without its arguments.)"""

    __slots__ = ()

    def __copy__(self) -> Any:
        return type(self)(**{f.name: getattr(self, f.name)
                             for f in dataclasses.fields(self)})  # type: ignore[arg-type]

    def __deepcopy__(self, memo: dict[int, Any]) -> Any:
        return type(self)(**{f.name: copy.deepcopy(getattr(self, f.name), memo)
                             for f in dataclasses.fields(self)})  # type: ignore[arg-type]

    def __reduce__(self) -> Any:
        return (_rebuild, (type(self), {f.name: getattr(self, f.name)
                                        for f in dataclasses.fields(self)}))  # type: ignore[arg-type]


# The classes built many times per document (lines, items, packs, product ids, parties...)
# spell out their __init__ (dataclass keeps a class's own): compiled with mypyc it is then
# native code, 5x faster than the generated one, which stays interpreted.  A list field's
# default is a new list (None stands for it).  tests/test_native.py checks that every such
# __init__ takes exactly the fields, with their defaults, in order.

@dataclass(slots=True)
class Reference(_Model):
    """A reference number with its canonical qualifier (contract, vendor_order...)."""

    qualifier: str
    value: str

    def __init__(self, qualifier: str, value: str) -> None:
        self.qualifier = qualifier
        self.value = value


@dataclass(slots=True)
class Contact(_Model):
    name: Optional[str] = None
    phone: Optional[str] = None
    email: Optional[str] = None

    def __init__(self, name: Optional[str] = None, phone: Optional[str] = None,
                 email: Optional[str] = None) -> None:
        self.name = name
        self.phone = phone
        self.email = email


@dataclass(slots=True)
class Party(_Model):
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

    def __init__(self, role: str, name: Optional[str] = None, id: Optional[str] = None,
                 id_scheme: Optional[str] = None, address: Optional[list[str]] = None,
                 city: Optional[str] = None, state: Optional[str] = None,
                 postal_code: Optional[str] = None, country: Optional[str] = None,
                 contact: Optional[Contact] = None) -> None:
        self.role = role
        self.name = name
        self.id = id
        self.id_scheme = id_scheme
        self.address = [] if address is None else address
        self.city = city
        self.state = state
        self.postal_code = postal_code
        self.country = country
        self.contact = contact


@dataclass(slots=True)
class ProductId(_Model):
    scheme: str
    value: str

    def __init__(self, scheme: str, value: str) -> None:
        self.scheme = scheme
        self.value = value


@dataclass(slots=True)
class OrderLine(_Model):
    line_number: str
    quantity: Decimal
    unit: str
    product_ids: list[ProductId] = field(default_factory=list)
    unit_price: Optional[Decimal] = None
    description: Optional[str] = None
    requested_delivery_date: Optional[_dt.date] = None
    requested_ship_date: Optional[_dt.date] = None

    def __init__(self, line_number: str, quantity: Decimal, unit: str,
                 product_ids: Optional[list[ProductId]] = None,
                 unit_price: Optional[Decimal] = None, description: Optional[str] = None,
                 requested_delivery_date: Optional[_dt.date] = None,
                 requested_ship_date: Optional[_dt.date] = None) -> None:
        self.line_number = line_number
        self.quantity = quantity
        self.unit = unit
        self.product_ids = [] if product_ids is None else product_ids
        self.unit_price = unit_price
        self.description = description
        self.requested_delivery_date = requested_delivery_date
        self.requested_ship_date = requested_ship_date


@dataclass(slots=True)
class PurchaseOrder(_Model):
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

    def __init__(self, number: str, date: _dt.date, purpose: str = "original",
                 order_type: str = "standalone", currency: Optional[str] = None,
                 release_number: Optional[str] = None,
                 requested_delivery_date: Optional[_dt.date] = None,
                 requested_ship_date: Optional[_dt.date] = None,
                 parties: Optional[list[Party]] = None, references: Optional[list[Reference]] = None,
                 lines: Optional[list[OrderLine]] = None, notes: Optional[list[str]] = None) -> None:
        self.number = number
        self.date = date
        self.purpose = purpose
        self.order_type = order_type
        self.currency = currency
        self.release_number = release_number
        self.requested_delivery_date = requested_delivery_date
        self.requested_ship_date = requested_ship_date
        self.parties = [] if parties is None else parties
        self.references = [] if references is None else references
        self.lines = [] if lines is None else lines
        self.notes = [] if notes is None else notes


@dataclass(slots=True)
class ResponseLine(_Model):
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

    def __init__(self, line_number: str, status: str, quantity: Optional[Decimal] = None,
                 unit: Optional[str] = None, ordered_quantity: Optional[Decimal] = None,
                 unit_price: Optional[Decimal] = None,
                 scheduled_date: Optional[_dt.date] = None,
                 product_ids: Optional[list[ProductId]] = None,
                 description: Optional[str] = None) -> None:
        self.line_number = line_number
        self.status = status
        self.quantity = quantity
        self.unit = unit
        self.ordered_quantity = ordered_quantity
        self.unit_price = unit_price
        self.scheduled_date = scheduled_date
        self.product_ids = [] if product_ids is None else product_ids
        self.description = description


@dataclass(slots=True)
class OrderResponse(_Model):
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

    def __init__(self, number: str, date: _dt.date, order_number: str, status: str,
                 order_date: Optional[_dt.date] = None, purpose: str = "original",
                 currency: Optional[str] = None, parties: Optional[list[Party]] = None,
                 references: Optional[list[Reference]] = None,
                 lines: Optional[list[ResponseLine]] = None, notes: Optional[list[str]] = None) -> None:
        self.number = number
        self.date = date
        self.order_number = order_number
        self.status = status
        self.order_date = order_date
        self.purpose = purpose
        self.currency = currency
        self.parties = [] if parties is None else parties
        self.references = [] if references is None else references
        self.lines = [] if lines is None else lines
        self.notes = [] if notes is None else notes


@dataclass(slots=True)
class Lot(_Model):
    number: str
    quantity: Optional[Decimal] = None
    expiry_date: Optional[_dt.date] = None

    def __init__(self, number: str, quantity: Optional[Decimal] = None,
                 expiry_date: Optional[_dt.date] = None) -> None:
        self.number = number
        self.quantity = quantity
        self.expiry_date = expiry_date


@dataclass(slots=True)
class ShipItem(_Model):
    line_number: Optional[str]
    quantity: Decimal
    unit: str
    product_ids: list[ProductId] = field(default_factory=list)
    ordered_quantity: Optional[Decimal] = None
    lot: Optional[str] = None
    expiry_date: Optional[_dt.date] = None
    serials: list[str] = field(default_factory=list)
    description: Optional[str] = None

    def __init__(self, line_number: Optional[str], quantity: Decimal, unit: str,
                 product_ids: Optional[list[ProductId]] = None,
                 ordered_quantity: Optional[Decimal] = None, lot: Optional[str] = None,
                 expiry_date: Optional[_dt.date] = None, serials: Optional[list[str]] = None,
                 description: Optional[str] = None) -> None:
        self.line_number = line_number
        self.quantity = quantity
        self.unit = unit
        self.product_ids = [] if product_ids is None else product_ids
        self.ordered_quantity = ordered_quantity
        self.lot = lot
        self.expiry_date = expiry_date
        self.serials = [] if serials is None else serials
        self.description = description


@dataclass(slots=True)
class Pack(_Model):
    sscc: Optional[str] = None
    package_type: Optional[str] = None  # UN/ECE Rec 21 style code or prefixed raw (CTN, PLT...)
    items: list[ShipItem] = field(default_factory=list)
    packs: list["Pack"] = field(default_factory=list)  # e.g. cartons on a pallet

    def __init__(self, sscc: Optional[str] = None, package_type: Optional[str] = None,
                 items: Optional[list[ShipItem]] = None,
                 packs: Optional[list["Pack"]] = None) -> None:
        self.sscc = sscc
        self.package_type = package_type
        self.items = [] if items is None else items
        self.packs = [] if packs is None else packs


@dataclass(slots=True)
class ShipmentOrder(_Model):
    order_number: str
    order_date: Optional[_dt.date] = None
    items: list[ShipItem] = field(default_factory=list)  # items not packed
    packs: list[Pack] = field(default_factory=list)

    def __init__(self, order_number: str, order_date: Optional[_dt.date] = None,
                 items: Optional[list[ShipItem]] = None, packs: Optional[list[Pack]] = None) -> None:
        self.order_number = order_number
        self.order_date = order_date
        self.items = [] if items is None else items
        self.packs = [] if packs is None else packs


@dataclass(slots=True)
class ShipNotice(_Model):
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

    def __init__(self, number: str, date: _dt.date, purpose: str = "original",
                 shipped_date: Optional[_dt.date] = None,
                 estimated_delivery_date: Optional[_dt.date] = None, carrier: Optional[str] = None,
                 carrier_name: Optional[str] = None, transport_mode: Optional[str] = None,
                 tracking_number: Optional[str] = None, bill_of_lading: Optional[str] = None,
                 gross_weight: Optional[Decimal] = None, weight_unit: Optional[str] = None,
                 package_count: Optional[Decimal] = None, parties: Optional[list[Party]] = None,
                 references: Optional[list[Reference]] = None,
                 orders: Optional[list[ShipmentOrder]] = None) -> None:
        self.number = number
        self.date = date
        self.purpose = purpose
        self.shipped_date = shipped_date
        self.estimated_delivery_date = estimated_delivery_date
        self.carrier = carrier
        self.carrier_name = carrier_name
        self.transport_mode = transport_mode
        self.tracking_number = tracking_number
        self.bill_of_lading = bill_of_lading
        self.gross_weight = gross_weight
        self.weight_unit = weight_unit
        self.package_count = package_count
        self.parties = [] if parties is None else parties
        self.references = [] if references is None else references
        self.orders = [] if orders is None else orders


@dataclass(slots=True)
class AckError(_Model):
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

    def __init__(self, code: str, segment_tag: Optional[str] = None,
                 segment_position: Optional[int] = None, loop_id: Optional[str] = None,
                 element_position: Optional[int] = None,
                 component_position: Optional[int] = None, repetition: Optional[int] = None,
                 element_reference: Optional[str] = None, bad_value: Optional[str] = None,
                 level: str = 'segment') -> None:
        self.code = code
        self.segment_tag = segment_tag
        self.segment_position = segment_position
        self.loop_id = loop_id
        self.element_position = element_position
        self.component_position = component_position
        self.repetition = repetition
        self.element_reference = element_reference
        self.bad_value = bad_value
        self.level = level


@dataclass(slots=True)
class AckedTransaction(_Model):
    set_id: str  # AK201 / UCM 0065
    control_number: str  # AK202 / UCM 0062
    status: str  # accepted | accepted_with_errors | partially_accepted | rejected
    codes: list[str] = field(default_factory=list)  # AK502.. / IK502.. / UCM 0085
    errors: list[AckError] = field(default_factory=list)
    implementation_reference: Optional[str] = None


@dataclass(slots=True)
class FunctionalAck(_Model):
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

_WRITERS: dict[type, Callable[[Any], dict[str, Any]]] = {}


def to_dict(obj: Any) -> Any:
    """Dataclass tree -> JSON-ready dict.  None values and empty lists are omitted."""
    cls = type(obj)
    writer = _WRITERS.get(cls)
    if writer is not None:
        return writer(obj)
    if cls is str or cls is int or cls is bool or obj is None:
        return obj
    if cls is list:
        return [to_dict(v) for v in obj]
    if isinstance(obj, Decimal):
        return _decimal_text(obj)
    if isinstance(obj, (_dt.date, _dt.time)):
        return obj.isoformat()
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        return _writer(cls)(obj)
    return obj


def _writer(cls: type) -> Callable[[Any], dict[str, Any]]:
    """A writer generated for ``cls``: per field one attribute read, and the value as it is
    when it has the field's declared plain type (str, int), else ``to_dict``."""
    hints = _hints(cls)
    env: dict[str, Any] = {"to_dict": to_dict, "Decimal": Decimal, "dec": _decimal_text,
                           "date": _dt.date}
    lines = ["def write(obj):", "    out = {}"]
    for f in dataclasses.fields(cls):
        hint = hints[f.name]
        kind, inner = _shape(hint)
        base = inner if kind == "optional" else hint
        lines.append(f"    v = obj.{f.name}")
        if typing.get_origin(base) is list:
            each = "e if type(e) is str else to_dict(e)" if typing.get_args(base)[0] is str \
                else "to_dict(e)"
            lines += ["    if v:",
                      f"        out[{f.name!r}] = [{each} for e in v] if type(v) is list "
                      "else to_dict(v)"]
            continue
        lines.append("    if v is not None:")
        if base is str or base is int:
            lines.append(f"        out[{f.name!r}] = v if type(v) is {base.__name__} else to_dict(v)")
        elif base is Decimal:
            lines.append(f"        out[{f.name!r}] = dec(v) if type(v) is Decimal else to_dict(v)")
        elif base is _dt.date:
            lines.append(f"        out[{f.name!r}] = v.isoformat() if type(v) is date else to_dict(v)")
        else:
            lines.append(f"        out[{f.name!r}] = to_dict(v)")
    lines.append("    return out")
    exec(compile("\n".join(lines), f"<canonical writer {cls.__name__}>", "exec"), env)
    writer = _WRITERS[cls] = env["write"]
    return writer


def _shape(tp: Any) -> tuple[str, Any]:
    origin = typing.get_origin(tp)
    if origin in (Union, types.UnionType):
        return "optional", [a for a in typing.get_args(tp) if a is not type(None)][0]
    return "plain", tp


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
    """The field types of a model class, read from this module's source.

    Not from ``cls.__annotations__``: compiled with mypyc (translators/_native.py) the
    classes keep only erased annotations (``list`` for ``list[ProductId]``, ``type`` for
    ``Optional[str]``).  The source says the same in both builds."""
    hints = _HINTS.get(cls)
    if hints is None:
        written = _source_annotations().get(cls.__name__)
        if written is None or cls.__module__ != __name__:
            hints = typing.get_type_hints(cls)
        else:
            holder = type(cls.__name__, (), {"__annotations__": dict(written),
                                             "__module__": __name__})
            hints = typing.get_type_hints(holder, globalns=globals())
        _HINTS[cls] = hints
    return hints


_ANNOTATIONS: list[dict[str, dict[str, str]]] = []


def _source_annotations() -> dict[str, dict[str, str]]:
    """class name -> field -> annotation text, from canonical.py (beside the compiled module)."""
    if not _ANNOTATIONS:
        source = _native.source_path(__name__)
        tree = ast.parse(source.read_text(encoding="utf-8"), str(source))
        found: dict[str, dict[str, str]] = {}
        for node in tree.body:
            if isinstance(node, ast.ClassDef):
                found[node.name] = {
                    stmt.target.id: ast.unparse(stmt.annotation) for stmt in node.body
                    if isinstance(stmt, ast.AnnAssign) and isinstance(stmt.target, ast.Name)}
        _ANNOTATIONS.append(found)
    return _ANNOTATIONS[0]


def from_dict(cls: type, data: Any, where: str = "") -> Any:
    """JSON-ready dict -> dataclass ``cls``; raises CanonicalError naming the bad field
    (``where`` plus the path below it, e.g. ``document.content.lines[3].quantity``)."""
    try:
        return _converter(cls)(data)
    except _Bad as bad:
        raise CanonicalError(f"{where}{''.join(reversed(bad.path))}{bad.message}") from None


# Reading is compiled once per type into nested converters (closures).  The path of a bad
# value is built only when one is found, while the error unwinds: reading a valid document
# formats no strings.

class _Bad(Exception):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message  # ": expected a list", ".name: required field missing"
        self.path: list[str] = []  # innermost first


_CONVERTERS: dict[Any, Callable[[Any], Any]] = {}


def _optional(tp: Any) -> bool:
    return (typing.get_origin(tp) in (Union, types.UnionType)
            and type(None) in typing.get_args(tp))


def _converter(tp: Any) -> Callable[[Any], Any]:
    conv = _CONVERTERS.get(tp)
    if conv is None:
        conv = _CONVERTERS[tp] = _build_converter(tp)
    return conv


def _build_converter(tp: Any) -> Callable[[Any], Any]:
    origin = typing.get_origin(tp)
    if origin in (Union, types.UnionType):
        inner = _converter([a for a in typing.get_args(tp) if a is not type(None)][0])

        def optional(value: Any) -> Any:
            return None if value is None else inner(value)
        return optional
    if origin is list:
        item = _converter(typing.get_args(tp)[0])

        def listed(value: Any) -> Any:
            if type(value) is not list:
                raise _Bad(": expected a list")
            try:
                return [item(v) for v in value]
            except _Bad as bad:
                for i, v in enumerate(value):  # the error path only: find the index
                    try:
                        item(v)
                    except _Bad:
                        bad.path.append(f"[{i}]")
                        break
                raise
        return listed
    if dataclasses.is_dataclass(tp):
        return _dataclass_converter(typing.cast(type, tp))
    simple = _SIMPLE.get(tp)
    if simple is None:
        raise TypeError(f"canonical model: unsupported field type {tp!r}")  # a model bug
    return simple


_REQUIRED, _DEFAULTED, _NONE_IF_MISSING = 0, 1, 2


def _dataclass_converter(cls: type) -> Callable[[Any], Any]:
    hints = _hints(cls)
    # resolved when first called, so recursive models (Pack.packs) work
    _CONVERTERS[cls] = lambda value: convert(value)
    plan = []  # (name, converter, mode, whether a str value is taken as it is)
    for f in dataclasses.fields(cls):
        hint = hints[f.name]
        if f.default is not dataclasses.MISSING or f.default_factory is not dataclasses.MISSING:
            mode = _DEFAULTED  # left out of the call: the dataclass fills it in
        else:
            mode = _NONE_IF_MISSING if _optional(hint) else _REQUIRED
        conv = _converter(hint)
        plan.append((f.name, conv, mode, conv is _str or hint == Optional[str]))
    known = frozenset(name for name, _, _, _ in plan)

    def convert(value: Any) -> Any:
        if type(value) is not dict:
            raise _Bad(f": expected an object, got {type(value).__name__}")
        if not known.issuperset(value):
            raise _Bad(": unknown field(s) " + ", ".join(sorted(set(value) - known)))
        kwargs: dict[str, Any] = {}
        for name, conv, mode, text in plan:
            if name in value:
                v = value[name]
                if text and type(v) is str:
                    kwargs[name] = v
                    continue
                try:
                    kwargs[name] = conv(v)
                except _Bad as bad:
                    bad.path.append(f".{name}")
                    raise
            elif mode == _NONE_IF_MISSING:
                kwargs[name] = None  # to_dict omits None values
            elif mode == _REQUIRED:
                raise _Bad(f".{name}: required field missing")
        return cls(**kwargs)
    return convert


def _str(value: Any) -> str:
    if type(value) is not str and not isinstance(value, str):
        raise _Bad(": expected a string")
    return value


def _int(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise _Bad(": expected an integer")
    return value


def _decimal(value: Any) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        raise _Bad(": expected a decimal number as a string")
    try:
        result = Decimal(value if type(value) is str else str(value))
    except InvalidOperation:
        raise _Bad(f": {value!r} is not a decimal number") from None
    if not result.is_finite():
        raise _Bad(f": {value!r} is not a finite number")
    return result


def _date(value: Any) -> _dt.date:
    try:
        return _dt.date.fromisoformat(value)
    except (TypeError, ValueError):
        raise _Bad(f": {value!r} is not a date (YYYY-MM-DD)") from None


def _time(value: Any) -> _dt.time:
    try:
        return _dt.time.fromisoformat(value)
    except (TypeError, ValueError):
        raise _Bad(f": {value!r} is not a time (HH:MM[:SS])") from None


_SIMPLE: dict[Any, Callable[[Any], Any]] = {
    str: _str, int: _int, Decimal: _decimal, _dt.date: _date, _dt.time: _time,
}
