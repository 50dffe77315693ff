"""Shared pieces of the X12 <-> canonical mappings.

Code tables (X12 qualifier -> canonical vocabulary and back), the mapping
context and error, and the small converters every mapper uses: decimals,
dates, text repair and product-id pairs.  Everything here is a module-level
constant or a pure function so the per-segment handlers stay cheap; the two
text -> Decimal / date conversions are memoised in bounded LRU caches (their
results are immutable, so sharing them between documents is safe).
"""
from __future__ import annotations

import datetime as _dt
from decimal import Decimal
from typing import Any, Callable, Final, Optional, Sequence

from translators.canonical import Contact, Party, ProductId, Reference
from translators.codes import ToCode, invert, str_keyed, to_code_for
from translators.findings import EDIError, Position
from translators.x12.events import Delimiters, Segment


# --------------------------------------------------------------------------- context / error

_DELIMITERS: Final = Delimiters()
_CONTEXT_FIELDS: Final = ("set_id", "control_number", "version", "delimiters", "encoding",
                          "interchange", "group", "plain")


class MappingContext:
    """What a mapper knows about the transaction besides its body segments (one is made
    per transaction, and nothing changes it; a class written out, so that making it and
    reading its fields are native when compiled)."""

    __slots__ = _CONTEXT_FIELDS

    def __init__(self, set_id: str, control_number: str = "", version: str = "004010",
                 delimiters: Optional[Delimiters] = None, encoding: str = "ascii",
                 interchange: Optional[str] = None, group: Optional[str] = None,
                 plain: bool = False) -> None:
        self.set_id = set_id  # ST01
        self.control_number = control_number  # ST02
        self.version = version  # ST03 / GS08
        #: frozen: one shared default is safe
        self.delimiters: Delimiters = delimiters if delimiters is not None else _DELIMITERS
        self.encoding = encoding  # InterchangeStart.encoding
        self.interchange = interchange  # ISA13, for error positions
        self.group = group  # GS06, for error positions
        #: TransactionEnd.plain: every value is ASCII as read, so no text needs repair
        self.plain = plain

    def _replace(self, **changes: Any) -> "MappingContext":
        """A copy with some fields changed (as a named tuple's ``_replace``)."""
        fields = {name: getattr(self, name) for name in _CONTEXT_FIELDS}
        unknown = set(changes) - set(fields)
        if unknown:
            raise TypeError(f"MappingContext has no field {sorted(unknown)[0]!r}")
        fields.update(changes)
        return MappingContext(**fields)

    def __repr__(self) -> str:
        return (f"MappingContext(set_id={self.set_id!r}, control_number={self.control_number!r}, "
                f"version={self.version!r}, interchange={self.interchange!r}, "
                f"group={self.group!r}, plain={self.plain!r})")


class MappingError(EDIError):
    """Required business data is missing or unparseable in a transaction set.

    ``position`` names the segment (1-based position counted from ST, tag) and
    the element (1-based, X12 numbering) so it can be reported like a finding.
    """

    def __init__(self, message: str, seg: Optional[Segment] = None, element: Optional[int] = None,
                 context: Optional[MappingContext] = None) -> None:
        self.segment_tag = seg.tag if seg is not None else None
        self.segment_position = seg.position if seg is not None else None
        self.element_position = element
        bad = None
        if seg is not None and element is not None and element < len(seg.elements):
            bad = seg.elements[element]
        self.position = Position(
            offset=seg.offset if seg is not None else 0,
            interchange=context.interchange if context else None,
            group=context.group if context else None,
            transaction=context.control_number if context else None,
            transaction_set=context.set_id if context else None,
            segment_tag=self.segment_tag, segment_position=self.segment_position,
            element_position=element, bad_value=bad)
        where = []
        if context is not None:
            where.append(f"transaction {context.control_number} ({context.set_id})")
        if seg is not None:
            where.append(f"segment {seg.position} {seg.tag}")
            if element is not None:
                where.append(f"element {seg.tag}{element:02d}")
        self.message = message
        super().__init__(f"{', '.join(where)}: {message}" if where else message)


def element(seg: Segment, i: int) -> str:
    e = seg.elements
    return e[i] if len(e) > i else ""


def required(seg: Segment, i: int, what: str, ctx: MappingContext) -> str:
    e = seg.elements
    v = e[i] if len(e) > i else ""
    if not v:
        raise MappingError(f"{what} ({seg.tag}{i:02d}) is missing", seg, i, ctx)
    return v


# --------------------------------------------------------------------------- numbers / dates

#: Memos of to_decimal and parse_date_text (pure functions of a string: the same quantities,
#: prices and dates come back all the time), emptied when full.  Plain dicts rather than
#: functools.lru_cache: a compiled caller then calls the function natively, and a hit is one
#: dict lookup.
_DECIMALS: Final[dict[str, Decimal]] = {}
_NOT_A_NUMBER: Final = Decimal("NaN")  # memo entry of a text that is no X12 number
_DATES: Final[dict[str, Optional[_dt.date]]] = {}
_MEMO_LIMIT: Final = 8192


def to_decimal(v: str) -> Optional[Decimal]:
    """X12 R/N text (optional minus, digits, at most one point) -> Decimal;
    None when it is not such a number (exponents, spaces, NaN, ...)."""
    memo = _DECIMALS
    d = memo.get(v)  # one lookup for a hit
    if d is not None:
        return None if d is _NOT_A_NUMBER else d
    d = _NOT_A_NUMBER
    if v.isascii():
        s = v.replace(".", "", 1)
        if s.isdigit() or (s[:1] == "-" and s[1:].isdigit()):
            d = Decimal(v)
    if len(memo) >= _MEMO_LIMIT:
        memo.clear()
    memo[v] = d
    return None if d is _NOT_A_NUMBER else d


def decimal(seg: Segment, i: int, what: str, ctx: MappingContext) -> Optional[Decimal]:
    """Element i as a Decimal (X12 R/N types); None when empty."""
    e = seg.elements
    v = e[i] if len(e) > i else ""
    if not v:
        return None
    d = to_decimal(v)
    if d is None:
        raise MappingError(f"{what} ({seg.tag}{i:02d}) {v!r} is not a number", seg, i, ctx)
    return d


def required_decimal(seg: Segment, i: int, what: str, ctx: MappingContext) -> Decimal:
    value = decimal(seg, i, what, ctx)
    if value is None:
        raise MappingError(f"{what} ({seg.tag}{i:02d}) is missing", seg, i, ctx)
    return value


def integer(seg: Segment, i: int, what: str, ctx: MappingContext, text: Optional[str] = None) -> Optional[int]:
    v = element(seg, i) if text is None else text
    if not v:
        return None
    if v.isdigit() and v.isascii():
        return int(v)
    raise MappingError(f"{what} ({seg.tag}{i:02d}) {v!r} is not an integer", seg, i, ctx)


def parse_date_text(v: str) -> Optional[_dt.date]:
    """CCYYMMDD or YYMMDD (older partners; 00-49 -> 20xx) -> date, None if invalid."""
    memo = _DATES
    d = memo.get(v)
    if d is not None or v in memo:  # a date, or a text known not to be one
        return d
    d = _date_of(v)
    if len(memo) >= _MEMO_LIMIT:
        memo.clear()
    memo[v] = d
    return d


def _date_of(v: str) -> Optional[_dt.date]:
    if not (v.isdigit() and v.isascii()):
        return None
    try:
        if len(v) == 8:
            return _dt.date(int(v[:4]), int(v[4:6]), int(v[6:]))
        if len(v) == 6:
            yy = int(v[:2])
            return _dt.date(2000 + yy if yy < 50 else 1900 + yy, int(v[2:4]), int(v[4:]))
    except ValueError:
        return None
    return None


def date(seg: Segment, i: int, what: str, ctx: MappingContext) -> Optional[_dt.date]:
    e = seg.elements
    v = e[i] if len(e) > i else ""
    if not v:
        return None
    d = parse_date_text(v)
    if d is None:
        raise MappingError(f"{what} ({seg.tag}{i:02d}) {v!r} is not a date (CCYYMMDD)", seg, i, ctx)
    return d


def required_date(seg: Segment, i: int, what: str, ctx: MappingContext) -> _dt.date:
    d = date(seg, i, what, ctx)
    if d is None:
        raise MappingError(f"{what} ({seg.tag}{i:02d}) is missing", seg, i, ctx)
    return d


def fmt_date(d: Optional[_dt.date]) -> str:
    return "" if d is None else f"{d.year:04d}{d.month:02d}{d.day:02d}"


def fmt_decimal(value: Optional[Decimal]) -> str:
    if value is None:
        return ""
    if not value.is_finite():
        raise EDIError(f"{value!r} is not a finite number")
    text = format(value, "f")
    if text.startswith("-") and text.strip("-0.") == "":
        text = text[1:]
    return text


# --------------------------------------------------------------------------- text

def fix_text(value: str) -> str:
    """Repair UTF-8 text the reader decoded as latin-1 (cheap for ASCII)."""
    if value.isascii():
        return value
    try:
        return value.encode("latin-1").decode("utf-8")
    except UnicodeError:
        return value


def text(seg: Segment, i: int, plain: bool = False) -> Optional[str]:
    """Element i as text, None when empty (``plain``: the set is ASCII, nothing to repair)."""
    e = seg.elements
    v = e[i] if len(e) > i else ""
    if not v:
        return None
    return v if plain or v.isascii() else fix_text(v)


def split_text(value: str, width: int, limit: int) -> list[str]:
    """Split free text into at most ``limit`` chunks of ``width`` at spaces;
    joining the chunks with one space gives the value back."""
    if len(value) <= width:
        return [value]
    chunks: list[str] = []
    rest = value
    while len(rest) > width:
        cut = rest.rfind(" ", 1, width + 1)
        if cut <= 0:
            raise EDIError(f"text {value!r} has a word longer than {width} characters")
        chunks.append(rest[:cut])
        rest = rest[cut + 1:]
    chunks.append(rest)
    if len(chunks) > limit or any(not c for c in chunks):
        raise EDIError(f"text {value!r} too long for {limit} x {width} characters")
    return chunks


# --------------------------------------------------------------------------- code tables

#: invert(table), from_code(table, code), to_code(table, value, what): see
#: translators.codes; unknown codes read and write as 'x12:<code>'.  from_code is written
#: out here (a native call when compiled, several per document).
def from_code(table: dict[str, str], code: str) -> str:
    """The canonical value of ``code`` in ``table``, else ``'x12:<code>'``."""
    v = table.get(code)
    return v if v is not None else "x12:" + code


to_code: Final[ToCode] = to_code_for("x12", "X12")


#: X12 unit of measure (DE 355) -> UN/ECE Recommendation 20.
UNITS: Final[dict[str, str]] = str_keyed({
    "EA": "EA", "PC": "PCE", "UN": "C62", "CA": "CS", "BX": "BX", "PK": "PK", "DZ": "DZN",
    "KG": "KGM", "LB": "LBR", "GR": "GRM", "OZ": "ONZ", "TN": "STN", "MT": "TNE",
    "FT": "FOT", "IN": "INH", "YD": "YRD", "MR": "MTR", "CM": "CMT", "MM": "MMT",
    "SF": "FTK", "SY": "YDK", "SM": "MTK", "CF": "FTQ", "CR": "MTQ",
    "GA": "GLL", "LT": "LTR", "ML": "MLT", "PR": "PR", "ST": "SET", "RL": "RO",
    "HR": "HUR", "DA": "DAY", "WK": "WEE", "MO": "MON", "CT": "CT", "PL": "PF",
    "BG": "BG", "TH": "MIL",
})
#: Canonical unit -> X12 (inverse plus common Rec 20 synonyms).
UNITS_OUT: Final[dict[str, str]] = {**invert(UNITS), "H87": "PC", "NMB": "EA", "NAR": "EA"}


def unit_in(code: str) -> str:
    v = UNITS.get(code)
    return v if v is not None else "x12:" + code


def unit_out(unit: str) -> str:
    return to_code(UNITS_OUT, unit, "unit")


PARTY_ROLES: Final[dict[str, str]] = str_keyed({
    "BY": "buyer", "SE": "seller", "VN": "supplier", "SU": "supplier", "ST": "ship_to",
    "BT": "bill_to", "SF": "ship_from", "RI": "remit_to", "MF": "manufacturer",
    "CA": "carrier",
})
PARTY_ROLES_OUT: Final[dict[str, str]] = invert(PARTY_ROLES)

ID_SCHEMES: Final[dict[str, str]] = str_keyed({
    "1": "duns", "9": "duns4", "92": "buyer_assigned", "91": "seller_assigned",
    "UL": "gln", "ZZ": "mutually_defined",
})
ID_SCHEMES_OUT: Final[dict[str, str]] = invert(ID_SCHEMES)

#: PER01 of a header PER (outside N1 loops) -> role of the party it describes.
CONTACT_ROLES: Final[dict[str, str]] = str_keyed({
    "BD": "buyer", "PD": "buyer", "OC": "buyer", "SU": "supplier", "SR": "seller",
    "VN": "supplier",
})
CONTACT_ROLES_OUT: Final[dict[str, str]] = {"buyer": "BD", "supplier": "SU", "seller": "SR"}

#: Product/service id qualifier (DE 235) -> canonical scheme.
PRODUCT_SCHEMES: Final[dict[str, str]] = str_keyed({
    "BP": "buyer", "IN": "buyer", "VP": "vendor", "VN": "vendor", "VA": "vendor",
    "UP": "gtin", "EN": "gtin", "UK": "gtin", "UA": "gtin", "UI": "gtin", "EO": "gtin",
    "MG": "manufacturer", "SK": "sku",
})
PRODUCT_SCHEMES_OUT: Final[dict[str, str]] = {
    "buyer": "BP", "vendor": "VP", "manufacturer": "MG", "sku": "SK",
}
GTIN_QUALIFIERS: Final = {"UP", "EN", "UK", "UA", "UI", "EO"}

REFERENCE_QUALIFIERS: Final[dict[str, str]] = str_keyed({
    "CT": "contract", "VN": "vendor_order", "DP": "department", "PD": "promotion",
    "IA": "vendor_id", "CO": "customer_order", "PO": "purchase_order", "IV": "invoice",
    "BM": "bill_of_lading", "CN": "tracking", "PK": "packing_list", "AH": "agreement",
    "MR": "merchandise_type", "SI": "shipper_id",
})
REFERENCE_QUALIFIERS_OUT: Final[dict[str, str]] = invert(REFERENCE_QUALIFIERS)

#: BEG01 / BAK01 / BSN01 (DE 353).
PURPOSES: Final[dict[str, str]] = str_keyed({
    "00": "original", "01": "cancellation", "04": "change", "05": "replace",
    "06": "confirmation",
})
PURPOSES_OUT: Final[dict[str, str]] = invert(PURPOSES)


def purpose_out(value: str) -> str:
    return to_code(PURPOSES_OUT, value, "purpose")


# --------------------------------------------------------------------------- product ids

def product_ids(seg: Segment, start: int, stop: int, out: list[ProductId],
                extra: Optional[dict[str, list[str]]] = None, plain: bool = False) -> None:
    """Qualifier/value pairs in elements ``start`` .. ``stop`` (inclusive).
    Qualifiers listed in ``extra`` (e.g. LT lot, SN serial in LIN) are
    collected there instead.  ``plain``: the set is ASCII, no value needs repair."""
    e = seg.elements
    n = len(e)
    if n > stop + 1:
        n = stop + 1
    for i in range(start, n - 1, 2):
        q = e[i]
        v = e[i + 1]
        if not v or not q:
            continue
        if not plain and not v.isascii():
            v = fix_text(v)
        if extra is not None and q in extra:
            extra[q].append(v)
            continue
        out.append(product_id(q, v))


def product_id(q: str, v: str) -> ProductId:
    """The canonical id of one non-empty qualifier/value pair (value already text)."""
    scheme = PRODUCT_SCHEMES.get(q)
    if scheme is None:
        return ProductId("x12:" + q, v)
    if scheme == "gtin":
        if not v.isdigit():
            digits = "".join(ch for ch in v if "0" <= ch <= "9")
            if not digits:
                return ProductId("x12:" + q, v)
            v = digits
        return ProductId("gtin", v)
    return ProductId(scheme, v)


def gtin_qualifier(value: str) -> str:
    n = len(value)
    if n == 12:
        return "UP"
    if n in (8, 13):
        return "EN"
    return "UK"


def product_pairs(ids: Sequence[ProductId]) -> list[str]:
    out: list[str] = []
    for pid in ids:
        if pid.scheme == "gtin":
            out += [gtin_qualifier(pid.value), pid.value]
        else:
            out += [to_code(PRODUCT_SCHEMES_OUT, pid.scheme, "product id scheme"), pid.value]
    return out


# --------------------------------------------------------------------------- parties (N1 loop)

def party_from_n1(seg: Segment) -> Party:
    e = seg.elements
    n = len(e)
    role = from_code(PARTY_ROLES, e[1] if n > 1 else "")
    name = text(seg, 2)
    qual = e[3] if n > 3 else ""
    ident = e[4] if n > 4 else ""
    party = Party(role=role, name=name)
    if ident:
        party.id = ident
        party.id_scheme = from_code(ID_SCHEMES, qual) if qual else None
    return party



# --------------------------------------------------------------------------- shared handlers
# Reader states of the 850, 855 and 856 mappings all keep the N1 loop's party in
# ``st.party`` (None outside an N1 loop): the address segments that follow it are
# handled the same way everywhere.

def n2_handler(st: Any, seg: Segment) -> None:
    if st.party is not None:
        add_n2(st.party, seg)


def n3_handler(st: Any, seg: Segment) -> None:
    if st.party is not None:
        add_n3(st.party, seg)


def n4_handler(st: Any, seg: Segment) -> None:
    if st.party is not None:
        add_n4(st.party, seg)


def heading_handlers(doc_of: Callable[[Any, Segment], Any], contact_role: str
                     ) -> dict[str, Callable[[Any, Segment], None]]:
    """CUR, REF, PER and N1 of an 850/855 heading (ignored in the detail, where
    the states keep ``in_detail`` true).  A PER outside an N1 loop becomes a
    party with only a contact, of ``contact_role`` unless PER01 says otherwise."""
    def cur(st: Any, seg: Segment) -> None:
        v = element(seg, 2)
        if v and not st.in_detail:
            doc_of(st, seg).currency = v

    def ref(st: Any, seg: Segment) -> None:
        if st.in_detail or st.party is not None:
            return
        value = reference_value(seg)
        q = element(seg, 1)
        if value and q:
            doc_of(st, seg).references.append(
                Reference(from_code(REFERENCE_QUALIFIERS, q), value))

    def per(st: Any, seg: Segment) -> None:
        if st.party is not None:
            st.party.contact = contact_from_per(seg)
        elif not st.in_detail:
            st.header_parties.append(header_contact_party(seg, contact_role))

    def n1(st: Any, seg: Segment) -> None:
        if st.in_detail:
            st.party = None
            return
        party = party_from_n1(seg)
        doc_of(st, seg).parties.append(party)
        st.party = party

    return {"CUR": cur, "REF": ref, "PER": per, "N1": n1}


ADDRESS_HANDLERS: Final[dict[str, Callable[[Any, Segment], None]]] = str_keyed({
    "N2": n2_handler, "N3": n3_handler, "N4": n4_handler,
})


def note_handler(index: int, doc_of: Callable[[Any, Segment], Any]
                 ) -> Callable[[Any, Segment], None]:
    """MSG01 / NTE02 text in the heading becomes a note of the document
    (``doc_of`` creates the document when needed); in the detail it is ignored."""
    def handler(st: Any, seg: Segment) -> None:
        if st.in_detail:
            return
        v = text(seg, index)
        if v:
            doc_of(st, seg).notes.append(v)
    return handler



def add_n2(party: Party, seg: Segment) -> None:
    parts = [p for p in (text(seg, 1), text(seg, 2)) if p]
    if parts:
        party.name = " ".join(([party.name] if party.name else []) + parts)


def add_n3(party: Party, seg: Segment) -> None:
    for i in (1, 2):
        v = text(seg, i)
        if v:
            party.address.append(v)


def add_n4(party: Party, seg: Segment) -> None:
    party.city = text(seg, 1)
    party.state = text(seg, 2)
    party.postal_code = text(seg, 3)
    party.country = text(seg, 4)


def contact_from_per(seg: Segment) -> Contact:
    contact = Contact(name=text(seg, 2))
    e = seg.elements
    for i in (3, 5, 7):
        if len(e) > i + 1 and e[i + 1]:
            q = e[i]
            if q == "TE" and contact.phone is None:
                contact.phone = e[i + 1]
            elif q == "EM" and contact.email is None:
                contact.email = text(seg, i + 1)
    return contact


def per_segment(function_code: str, contact: Contact) -> list:
    seg: list = ["PER", function_code, contact.name or ""]
    if contact.phone:
        seg += ["TE", contact.phone]
    if contact.email:
        seg += ["EM", contact.email]
    return seg


def party_segments(party: Party, max_n3: int = 2) -> list[list]:
    """The N1 loop (N1, N2, N3, N4, PER) for one party."""
    if not party.name and not party.id:
        raise EDIError(f"party {party.role!r} needs a name or an id")
    role = to_code(PARTY_ROLES_OUT, party.role, "party role")
    name_parts = split_text(party.name, 60, 3) if party.name else [""]
    n1: list = ["N1", role, name_parts[0]]
    if party.id:
        scheme = party.id_scheme or "mutually_defined"
        n1 += [to_code(ID_SCHEMES_OUT, scheme, "party id scheme"), party.id]
    segs = [n1]
    if len(name_parts) > 1:
        segs.append(["N2"] + name_parts[1:])
    lines = party.address
    if len(lines) > 2 * max_n3:
        raise EDIError(f"party {party.role!r}: at most {2 * max_n3} address lines")
    for i in range(0, len(lines), 2):
        segs.append(["N3"] + list(lines[i:i + 2]))
    if party.city or party.state or party.postal_code or party.country:
        segs.append(["N4", party.city or "", party.state or "", party.postal_code or "",
                     party.country or ""])
    if party.contact is not None:
        segs.append(per_segment("IC", party.contact))
    return segs


def header_contact_party(seg: Segment, default_role: str) -> Party:
    code = element(seg, 1)
    role = CONTACT_ROLES.get(code, default_role)
    return Party(role=role, contact=contact_from_per(seg))


def is_header_contact(party: Party) -> bool:
    """A party with only a contact is written as a header PER."""
    return (not party.name and not party.id and party.contact is not None
            and not party.address and not party.city and not party.state
            and not party.postal_code and not party.country
            and party.role in CONTACT_ROLES_OUT)


def reference_segment(qualifier: str, value: str) -> list:
    return ["REF", to_code(REFERENCE_QUALIFIERS_OUT, qualifier, "reference qualifier"), value]


def reference_value(seg: Segment) -> Optional[str]:
    return text(seg, 2) or text(seg, 3)
