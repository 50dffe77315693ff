"""Shared pieces of the UN/EDIFACT <-> canonical mappings (ORDERS, ORDRSP, DESADV).

Code tables (EDIFACT qualifier -> canonical vocabulary and back, aligned with
translators.x12.mapping so an order reads the same from an 850 and an ORDERS),
the mapping context and error, and the small converters the per-segment
handlers use.  Everything is a module-level constant or a pure function.

Segments are ``translators.edifact.events.Segment``: ``elements[0] == [tag]``,
``elements[i]`` is the list of components of data element i, values released.
Segments written by the mappers are lists ``[tag, element, ...]`` where an
element is a string or a list of component strings (trailing empties allowed;
the serializer drops them).
"""
from __future__ import annotations

import datetime as _dt
import re
from decimal import Decimal
from operator import attrgetter
from typing import Any, Callable, Final, Mapping, NamedTuple, Optional, Sequence

from translators.canonical import Contact, Party, ProductId, Reference
from translators.codes import FromCode, ToCode, from_code_for, invert, to_code_for
from translators.edifact.events import DEFAULT_CHARS, Segment, ServiceChars
from translators.edifact.serialize import Num
from translators.findings import EDIError, Position

DIRECTORIES: Final = ("D96A", "D01B")

#: Unit written by the gateway when a QTY has no measure unit qualifier: EANCOM
#: says the quantity then counts the trade item itself ("each").
DEFAULT_UNIT: Final = "EA"


# --------------------------------------------------------------------------- context / error

class MappingContext(NamedTuple):
    """What a mapper knows about the message besides its body segments (a named tuple: one
    is made per message, cheaply, and nothing changes it)."""

    directory: str = "D96A"  # UNH 0052+0054: D96A | D01B
    association_code: str = ""  # UNH 0057 (EAN008, EAN010...)
    chars: ServiceChars = DEFAULT_CHARS
    reference: str = ""  # UNH 0062
    message_type: str = ""  # UNH 0065
    interchange: Optional[str] = None  # UNB 0020, for error positions
    group: Optional[str] = None  # UNG 0048, for error positions

    @classmethod
    def from_events(cls, message: "object", interchange: "object" = None,
                    group: "object" = None, *,
                    references: Optional[tuple[Optional[str], Optional[str]]] = None
                    ) -> "MappingContext":
        """From a reader ``MessageStart`` (optional ``InterchangeStart``, ``GroupStart``).
        ``references``: (interchange, group) control references for error positions, in
        place of those of the events."""
        version = getattr(message, "version", "") or "D"
        release = getattr(message, "release", "") or ""
        directory = ("D" + release.upper()) if release else "D96A"
        if version.upper() not in ("D", "0", ""):
            directory = version.upper() + release.upper()
        chars = getattr(interchange, "chars", None) or DEFAULT_CHARS
        if references is None:
            references = (getattr(interchange, "control_reference", None),
                          getattr(group, "control_reference", None))
        return cls(directory,
                   getattr(message, "association_code", "") or "",
                   chars,
                   getattr(message, "reference", "") or "",
                   getattr(message, "message_type", "") or "",
                   references[0], references[1])


class MappingError(EDIError):
    """Required business data is missing or unparseable in a message.

    ``position`` names the segment (1-based position counted from UNH, tag),
    the element (1-based), component (1-based) and data element number, so it
    can be reported like a finding.
    """

    def __init__(self, message: str, seg: Optional[Segment] = None,
                 element: Optional[int] = None, component: Optional[int] = None,
                 context: Optional[MappingContext] = None,
                 element_reference: Optional[str] = None, tag: Optional[str] = None) -> None:
        self.segment_tag = seg.tag if seg is not None else tag
        self.segment_position = seg.position if seg is not None else None
        self.element_position = element
        self.component_position = component
        bad = None
        if seg is not None and element is not None and element < len(seg.elements):
            comps = seg.elements[element]
            c = (component or 1) - 1
            if c < len(comps):
                bad = comps[c] if component is not None else ":".join(comps)
        self.position = Position(
            offset=seg.offset if seg is not None else 0,
            interchange=context.interchange if context else None,
            group=context.group if context else None,
            transaction=context.reference if context else None,
            transaction_set=context.message_type if context else None,
            segment_tag=self.segment_tag, segment_position=self.segment_position,
            element_position=element, component_position=component,
            element_reference=element_reference, bad_value=bad)
        where = []
        if context is not None and (context.reference or context.message_type):
            where.append(f"message {context.reference} ({context.message_type})")
        if seg is not None:
            where.append(f"segment {seg.position} {seg.tag}")
        elif tag:
            where.append(f"segment {tag}")
        if element is not None:
            el = f"element {element:02d}"
            if component is not None:
                el += f"-{component}"
            if element_reference:
                el += f" ({element_reference})"
            where.append(el)
        self.message = message
        super().__init__(f"{', '.join(where)}: {message}" if where else message)


EMPTY: Final[tuple[str, ...]] = ("",)


def comp(seg: Segment, i: int, c: int = 0) -> str:
    """Component c (0-based) of element i, '' when absent."""
    e = seg.elements
    if i < len(e):
        comps = e[i]
        if c < len(comps):
            return comps[c]
    return ""


def required(seg: Segment, i: int, c: int, what: str, ref: str, ctx: MappingContext) -> str:
    v = comp(seg, i, c)
    if not v:
        raise MappingError(f"{what} ({ref}) is missing", seg, i, c + 1, ctx, ref)
    return v


# --------------------------------------------------------------------------- numbers / dates

_NUMBER: Final = re.compile(r"-?(?:\d+[.,]?\d*|[.,]\d+)\Z")


#: Memo of to_decimal (a pure function of a string: the same quantities and prices come
#: back all the time; making a Decimal costs more than a dict lookup), emptied when full.
_DECIMALS: Final[dict[str, Decimal]] = {}
_NOT_A_NUMBER: Final = Decimal("NaN")  # memo entry of a text that is no number
_MEMO_LIMIT: Final = 8192


def to_decimal(v: str) -> Optional[Decimal]:
    """EDIFACT numeric text ('.' or ',' as the decimal mark: partners ignore UNA) as
    Decimal; None when it is not a number."""
    memo = _DECIMALS
    d = memo.get(v)  # one lookup for a hit
    if d is not None:
        return None if d is _NOT_A_NUMBER else d
    d = _NOT_A_NUMBER
    if v.isdigit() and v.isascii():
        d = Decimal(v)
    elif _NUMBER.match(v):
        d = Decimal(v.replace(",", ".")) if "," in v else Decimal(v)
    if len(memo) >= _MEMO_LIMIT:
        memo.clear()
    memo[v] = d
    return None if d is _NOT_A_NUMBER else d


def number(v: str, seg: Segment, i: int, c: int, what: str, ref: str,
           ctx: MappingContext) -> Decimal:
    """A non-empty numeric value (component c of element i) as Decimal."""
    d = to_decimal(v)
    if d is None:
        raise MappingError(f"{what} ({ref}) {v!r} is not a number", seg, i, c + 1, ctx, ref)
    return d


def decimal(seg: Segment, i: int, c: int, what: str, ref: str,
            ctx: MappingContext) -> Optional[Decimal]:
    """A numeric component as Decimal; '.' and ',' are both accepted as the
    decimal mark (partners ignore UNA).  None when empty."""
    v = comp(seg, i, c)
    if not v:
        return None
    return number(v, seg, i, c, what, ref, ctx)



def take_price(seg: Segment, prices: dict[str, Decimal], ctx: MappingContext) -> None:
    """PRI C509: the first net (AAA) or gross (AAB) price of a line goes into
    ``prices`` by qualifier, divided by its unit price basis (5284) when given."""
    e = seg.elements
    c509 = e[1] if len(e) > 1 else EMPTY
    q = c509[0]
    if (q == "AAA" or q == "AAB") and q not in prices:
        n = len(c509)
        v = c509[1] if n > 1 else ""
        if not v:
            return
        price = number(v, seg, 1, 1, "price", "5118", ctx)
        basis = decimal(seg, 1, 4, "unit price basis", "5284", ctx) if n > 4 else None
        if basis is not None and basis != 1:
            if not basis:
                raise MappingError("unit price basis (5284) is zero", seg, 1, 5, ctx, "5284")
            price = price / basis
        prices[q] = price

def _ymd(v: str) -> _dt.date:
    return _dt.date(int(v[0:4]), int(v[4:6]), int(v[6:8]))


def _yymmdd(v: str) -> _dt.date:
    yy = int(v[0:2])
    return _dt.date(2000 + yy if yy < 50 else 1900 + yy, int(v[2:4]), int(v[4:6]))


def _week(v: str) -> _dt.date:
    return _dt.date.fromisocalendar(int(v[0:4]), int(v[4:6]), 1)


#: 2379 date/time format -> (expected lengths, parser of the date part).
#: Ranges (718, 719, 720) give their start; week formats (616) give the Monday.
_FORMATS: Final = {
    "102": ((8,), _ymd), "203": ((12,), _ymd), "204": ((14,), _ymd), "205": ((12, 14, 16), _ymd),
    "101": ((6,), _yymmdd), "201": ((10,), _yymmdd), "718": ((17, 16), _ymd),
    "719": ((25, 24), _ymd), "720": ((9, 8), _ymd), "711": ((13, 12), _yymmdd),
    "616": ((6,), _week), "102E": ((8,), _ymd),
}
_BY_LENGTH: Final = {8: _ymd, 12: _ymd, 14: _ymd, 6: _yymmdd, 10: _yymmdd}


def date_of(seg: Segment, what: str, ctx: MappingContext) -> Optional[_dt.date]:
    """The date of a DTM (C507: 2005 qualifier, 2380 value, 2379 format).

    Formats 101/102/201/203/204/205, ranges 711/718/719/720 (start) and 616
    (Monday of the week); without 2379 the format follows from the length.
    None when the value is empty; MappingError when it cannot be read."""
    e = seg.elements
    c507 = e[1] if len(e) > 1 else EMPTY
    n = len(c507)
    v = c507[1] if n > 1 else ""
    if not v:
        return None
    fmt = c507[2] if n > 2 else ""
    if fmt == "102" and len(v) == 8 and v.isdigit():  # fast path: the usual case
        try:
            return _dt.date(int(v[0:4]), int(v[4:6]), int(v[6:8]))
        except ValueError:
            pass
    try:
        if fmt:
            spec = _FORMATS.get(fmt)
            if spec is None:
                raise MappingError(f"{what}: date/time format {fmt!r} is not supported",
                                   seg, 1, 3, ctx, "2379")
            lengths, parse = spec
            digits = v.replace("-", "") if fmt in ("718", "719", "720", "711") else v
            if not v[:8].isdigit() or (len(v) not in lengths and len(digits) not in lengths):
                raise ValueError(v)
            return parse(v)
        by_length = _BY_LENGTH.get(len(v))
        if by_length is None or not v.isdigit():
            raise ValueError(v)
        return by_length(v)
    except ValueError:
        raise MappingError(f"{what} {v!r} is not a valid date (format {fmt or 'unspecified'})",
                           seg, 1, 2, ctx, "2380") from None


def fmt_date(d: _dt.date) -> str:
    return f"{d.year:04d}{d.month:02d}{d.day:02d}"


def dtm(qualifier: str, d: _dt.date) -> list:
    return ["DTM", [qualifier, fmt_date(d), "102"]]


def fmt_decimal(value: Decimal, what: str = "number") -> str:
    if not isinstance(value, Decimal) or not value.is_finite():
        raise EDIError(f"{what}: {value!r} is not a finite decimal number")
    text = format(value, "f")
    if text.startswith("-") and text.strip("-0.") == "":
        text = text[1:]
    return Num(text)


# --------------------------------------------------------------------------- text

def join_text(parts: Sequence[str]) -> Optional[str]:
    """Free-text components (FTX 4440, NAD 3036, IMD 7008...) -> one string."""
    vals = [p for p in parts if p]
    if not vals:
        return None
    return vals[0] if len(vals) == 1 else " ".join(vals)


def split_text(value: str, width: int, limit: int, what: str) -> list[list[str]]:
    """Split text into groups of at most ``limit`` chunks of ``width``
    characters, cutting at spaces (the space is dropped) so that joining all
    chunks with one space gives the value back.  Returns one list per segment
    needed; a word longer than ``width`` is an error (it would not survive)."""
    if not value:
        raise EDIError(f"{what}: empty text")
    chunks: list[str] = []
    rest = value
    while len(rest) > width:
        cut = rest.rfind(" ", 1, width + 1)
        if cut <= 0:
            raise EDIError(f"{what}: {value!r} has a word longer than {width} characters")
        chunks.append(rest[:cut])
        rest = rest[cut + 1:]
    chunks.append(rest)
    if any(not c for c in chunks):
        raise EDIError(f"{what}: {value!r} cannot be split into {width}-character pieces")
    return [chunks[i:i + limit] for i in range(0, len(chunks), limit)]


# --------------------------------------------------------------------------- code tables

#: invert(table), from_code(table, code), to_code(table, value, what): see
#: translators.codes; unknown codes read and write as 'edifact:<code>'.
from_code: FromCode = from_code_for("edifact")
to_code: ToCode = to_code_for("edifact", "EDIFACT", allow_empty=True)


#: 1225 message function (ORDERS, DESADV; ORDRSP purpose part).
PURPOSES: Final[dict[str, str]] = {
    "9": "original", "1": "cancellation", "5": "replace", "4": "change", "6": "confirmation",
}
PURPOSES_OUT: Final = invert(PURPOSES)

#: 3035 party function qualifier.  DP (delivery party, EANCOM) and ST both
#: read as ship_to; ship_to is written as DP.
PARTY_ROLES: Final[dict[str, str]] = {
    "BY": "buyer", "SE": "seller", "SU": "supplier", "DP": "ship_to", "ST": "ship_to",
    "IV": "bill_to", "SF": "ship_from", "PE": "remit_to", "MF": "manufacturer", "CA": "carrier",
}
PARTY_ROLES_OUT: Final = invert(PARTY_ROLES)

#: C082 3055 code list responsible agency of the party id.
ID_SCHEMES: Final[dict[str, str]] = {
    "9": "gln", "16": "duns", "91": "seller_assigned", "92": "buyer_assigned",
    "ZZZ": "mutually_defined",
}
ID_SCHEMES_OUT: Final = invert(ID_SCHEMES)

#: 7143 item number type (LIN C212, PIA C212).  NB (batch) and SN (serial)
#: are not product ids (DESADV reads them as lot and serial numbers).
PRODUCT_SCHEMES: Final[dict[str, str]] = {
    "SRV": "gtin", "EN": "gtin", "UP": "gtin",
    "IN": "buyer", "BP": "buyer",
    "SA": "vendor", "VN": "vendor", "VP": "vendor",
    "MF": "manufacturer", "SK": "sku",
}
PRODUCT_SCHEMES_OUT: Final[dict[str, str]] = {
    "buyer": "IN", "vendor": "SA", "manufacturer": "MF", "sku": "SK",
}

#: 1153 reference qualifier (document-level RFF) -> canonical qualifier.
REFERENCE_QUALIFIERS: Final[dict[str, str]] = {
    "CT": "contract", "VN": "vendor_order", "PD": "promotion", "IA": "vendor_id",
    "CO": "customer_order", "ON": "purchase_order", "IV": "invoice", "BM": "bill_of_lading",
    "CN": "tracking", "PK": "packing_list", "SI": "shipper_id", "CR": "customer_reference",
    "DQ": "delivery_note", "BO": "blanket_order", "AAG": "quote", "AEP": "project",
}
REFERENCE_QUALIFIERS_OUT: Final = invert(REFERENCE_QUALIFIERS)


def unit_in(code: str) -> str:
    """6411 is already UN/ECE Recommendation 20; kept as is."""
    return code or DEFAULT_UNIT


def unit_out(unit: str, what: str) -> str:
    if unit.startswith("edifact:"):
        return unit[8:]
    if ":" in unit or not unit:
        raise EDIError(f"{what}: unit {unit!r} is not a UN/ECE Recommendation 20 code")
    return unit


# --------------------------------------------------------------------------- product ids

_GTIN_LENGTHS: Final = (8, 12, 13, 14)


def product_id(number: str, kind: str, _schemes: dict = PRODUCT_SCHEMES) -> ProductId:
    scheme = _schemes.get(kind)
    if scheme is None:
        if not kind and number.isdigit() and len(number) in _GTIN_LENGTHS:
            scheme = "gtin"
        else:
            scheme = "edifact:" + kind
    return ProductId(scheme, number)


def gtin_code(directory: str) -> str:
    """EANCOM 1997 (D96A) marks GTINs EN; EANCOM 2002 (D01B) SRV."""
    return "EN" if directory == "D96A" else "SRV"


def id_composite(pid: ProductId, directory: str, what: str) -> list[str]:
    if pid.scheme == "gtin":
        return [pid.value, gtin_code(directory)]
    return [pid.value, to_code(PRODUCT_SCHEMES_OUT, pid.scheme, f"{what}: product id scheme")]


def item_segments(line_number: str, ids: Sequence[ProductId], directory: str, what: str,
                  action: str = "", substituted: bool = False) -> list[list]:
    """LIN plus PIA segments for a line's product ids, keeping their order:
    a leading GTIN goes into LIN, the rest into PIA (5 per segment; qualifier
    5 when LIN has no item number, 1 otherwise, 3 'substituted by' for a
    substitution)."""
    lin: list = ["LIN", line_number, action]
    rest = list(ids)
    if rest and rest[0].scheme == "gtin" and not substituted:
        lin.append(id_composite(rest.pop(0), directory, what))
        pia_code = "1"
    else:
        pia_code = "5"
    if substituted:
        pia_code = "3"
    segs = [lin]
    for i in range(0, len(rest), 5):
        segs.append(["PIA", pia_code] + [id_composite(p, directory, what) for p in rest[i:i + 5]])
        if pia_code == "5":
            pia_code = "1"
    return segs


# --------------------------------------------------------------------------- parties

def party_from_nad(seg: Segment) -> Party:
    e = seg.elements
    n = len(e)
    role = from_code(PARTY_ROLES, e[1][0] if n > 1 and e[1] else "")
    party = Party(role=role)
    if n > 2:
        c082 = e[2]
        if c082 and c082[0]:
            party.id = c082[0]
            agency = c082[2] if len(c082) > 2 else ""
            party.id_scheme = from_code(ID_SCHEMES, agency) if agency else None
    if n > 4:
        party.name = join_text(e[4])
    if n > 5:
        party.address = [v for v in e[5] if v]
    if n > 6 and e[6][0]:
        party.city = e[6][0]
    if n > 7 and e[7][0]:
        party.state = e[7][0]
    if n > 8 and e[8][0]:
        party.postal_code = e[8][0]
    if n > 9 and e[9][0]:
        party.country = e[9][0]
    if n > 3 and party.name is None and not party.address:
        lines = [v for v in e[3] if v]  # C058 unstructured name and address
        if lines:
            party.name = lines[0]
            party.address = lines[1:]
    return party


def add_cta(party: Party, seg: Segment) -> None:
    """CTA C056 3412 contact name (a department/employee code alone is not kept)."""
    name = comp(seg, 2, 1)
    if not name:
        return
    if party.contact is None:
        party.contact = Contact(name=name)
    elif party.contact.name is None:
        party.contact.name = name


def add_com(party: Party, seg: Segment) -> None:
    """COM after a CTA: TE phone, EM e-mail (first of each)."""
    kind = comp(seg, 1, 1)
    value = comp(seg, 1, 0)
    if not value or kind not in ("TE", "EM"):
        return
    contact = party.contact
    if contact is None:
        contact = party.contact = Contact()
    if kind == "TE" and contact.phone is None:
        contact.phone = value
    elif kind == "EM" and contact.email is None:
        contact.email = value


def party_segments(party: Party) -> list[list]:
    """The NAD group (NAD, CTA, COM) for one party."""
    role = to_code(PARTY_ROLES_OUT, party.role, "party role")
    nad: list = ["NAD", role]
    if party.id:
        scheme = party.id_scheme
        nad.append([party.id, "", to_code(ID_SCHEMES_OUT, scheme, "party id scheme")
                    if scheme else ""])
    else:
        nad.append("")
    nad.append("")  # C058
    if party.name:
        groups = split_text(party.name, 35, 5, f"party {party.role} name")
        if len(groups) > 1:
            raise EDIError(f"party {party.role}: name longer than 5 x 35 characters")
        nad.append(groups[0])
    else:
        nad.append("")
    if len(party.address) > 4:
        raise EDIError(f"party {party.role}: at most 4 street lines in NAD (C059)")
    for line in party.address:
        if not line:
            raise EDIError(f"party {party.role}: empty address line")
    nad.append(list(party.address) if party.address else "")
    nad += [party.city or "", party.state or "", party.postal_code or "", party.country or ""]
    segs = [nad]
    contact = party.contact
    if contact is not None:
        segs.append(["CTA", "IC", ["", contact.name or ""]])
        if contact.phone:
            segs.append(["COM", [contact.phone, "TE"]])
        if contact.email:
            segs.append(["COM", [contact.email, "EM"]])
    return segs


# --------------------------------------------------------------------------- shared handlers
# The ORDERS, ORDRSP and DESADV reader states all have ``ctx``, ``doc``, ``party``
# (the party of the open NAD group, None outside one) and ``last`` (the trigger
# of the open segment group: "head", "NAD", "NADRFF" (an RFF of the NAD group),
# "CTA", "LIN", ... or "other").  ``doc_of(st, seg)`` returns the document and
# raises MappingError when BGM has not come yet.

Handler = Callable[[Any, Segment], None]
DocOf = Callable[[Any, Segment], Any]

#: ``st.last`` values inside a NAD group.
PARTY_GROUP: Final = ("NAD", "NADRFF", "CTA")

#: ``st.in_line`` of the ORDERS and ORDRSP states (in a LIN group).
in_line: Callable[[Any], bool] = attrgetter("in_line")


def party_handlers(doc_of: DocOf, in_body: Callable[[Any], bool],
                   cta_kept: Optional[Callable[[Any], bool]] = None) -> dict[str, Handler]:
    """The NAD, CTA and COM handlers.

    A NAD opens a party of the document, unless ``in_body(st)`` (the message is
    past its heading: a NAD of a line or package group is no document party).
    A CTA (contact name) and the COMs after it fill the party's contact; a CTA
    outside a NAD group ends the open group (``st.last = "other"``) unless
    ``cta_kept(st)``."""
    def nad(st: Any, seg: Segment) -> None:
        if in_body(st):
            st.last = "other"
            st.party = None
            return
        party = party_from_nad(seg)
        doc_of(st, seg).parties.append(party)
        st.party = party
        st.last = "NAD"

    def cta(st: Any, seg: Segment) -> None:
        if st.last in PARTY_GROUP and st.party is not None:
            add_cta(st.party, seg)
            st.last = "CTA"
        elif cta_kept is None or not cta_kept(st):
            st.last = "other"

    return {"NAD": nad, "CTA": cta, "COM": com_handler}


def com_handler(st: Any, seg: Segment) -> None:
    """COM after a CTA: the party contact's phone or e-mail."""
    if st.last == "CTA" and st.party is not None:
        add_com(st.party, seg)


def header_rff(st: Any) -> bool:
    """Open the group of an RFF in an ORDERS / ORDRSP state (``st.in_line``):
    "LRFF" in a line group, "NADRFF" in a NAD group (a party reference such as
    a VAT number: no canonical place), else "RFF".  True for the last, a
    document-level reference the caller reads."""
    if st.in_line:
        st.last = "LRFF"
        return False
    if st.last in PARTY_GROUP:
        st.last = "NADRFF"
        return False
    st.last = "RFF"
    return True


def note_handler(doc_of: DocOf) -> Handler:
    """FTX in the heading (``st.last == "head"``): its text (C108 4440) becomes
    a note of the document; elsewhere it is ignored."""
    def ftx(st: Any, seg: Segment) -> None:
        if st.last != "head":
            return
        e = seg.elements
        if len(e) > 4:
            text = " ".join(v for v in e[4] if v)
            if text:
                doc_of(st, seg).notes.append(text)
    return ftx


def dispatch_one(st: Any, seg: Segment, handlers: Mapping[str, Handler],
                 keep: Mapping[str, frozenset[str]]) -> None:
    """Run the handler of one body segment (``handlers``: tag -> handler).  A segment
    without a handler stays in the open segment group when its tag is in
    ``keep[st.last]`` (the group's children), else it ends the group
    (``st.last = "other"``).  The mappings' ``read`` functions call their hottest
    handlers directly and this for the rest."""
    h = handlers.get(seg[0])
    if h is not None:
        h(st, seg)
    else:
        children = keep.get(st.last)
        if children is None or seg[0] not in children:
            st.last = "other"


# --------------------------------------------------------------------------- references, notes

def reference_from_rff(seg: Segment) -> Optional[Reference]:
    q = comp(seg, 1, 0)
    v = comp(seg, 1, 1)
    if not q or not v:
        return None
    return Reference(from_code(REFERENCE_QUALIFIERS, q), v)


def reference_segment(ref: Reference) -> list:
    if not ref.value:
        raise EDIError(f"reference {ref.qualifier!r} has an empty value")
    return ["RFF", [to_code(REFERENCE_QUALIFIERS_OUT, ref.qualifier, "reference qualifier"),
                    ref.value]]


def note_segments(notes: Sequence[str]) -> list[list]:
    segs = []
    for note in notes:
        for group in split_text(note, 70, 5, "note"):
            segs.append(["FTX", "AAI", "", "", group])
    return segs


def description_segments(text: str, what: str) -> list[list]:
    return [["IMD", "F", "", ["", "", "", *group]] for group in split_text(text, 35, 2, what)]


def imd_text(seg: Segment) -> tuple[bool, Optional[str]]:
    """(is free text without characteristic code, text) of an IMD, or (False, None)."""
    e = seg.elements
    if len(e) < 4 or e[1][0] not in _FREE_TEXT:
        return False, None
    c273 = e[3]
    n = len(c273)
    a = c273[3] if n > 3 else ""
    b = c273[4] if n > 4 else ""
    if a and b:
        text = a + " " + b
    else:
        text = a or b
    if not text:
        return False, None
    return not e[2][0], text


_FREE_TEXT: Final = frozenset(("F", "A", "E", "B", ""))
