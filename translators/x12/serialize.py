"""Write X12 segments and envelopes (ISA/GS/ST ... SE/GE/IEA).

Used by the canonical writer (translators.x12.writer) and the acknowledgment
builder (translators.x12.acks).  Control numbers come from a ``ControlNumbers``
counter: an in-memory one here, a persistent one in the engine later.

X12 has no release character: a value containing a delimiter cannot be
written and raises ``EDIError`` naming it.
"""
from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass, field
from typing import Optional, Protocol, Sequence

from translators.findings import EDIError
from translators.x12.events import Delimiters

VERSIONS = {"004010": "00401", "005010": "00501"}


class ControlNumbers(Protocol):
    """Allocates interchange (ISA13), group (GS06) and set (ST02) numbers."""

    def next(self, kind: str, partner: str = "") -> int:  # kind: ISA13 | GS06 | ST02
        ...


class MemoryControlNumbers:
    """Counter kept in memory; the engine provides a persistent one."""

    def __init__(self, start: int = 1) -> None:
        self._start = start
        self._values: dict[tuple[str, str], int] = {}

    def next(self, kind: str, partner: str = "") -> int:
        key = (kind, partner)
        value = self._values.get(key, self._start - 1) + 1
        if value > 999_999_999:
            value = 1
        self._values[key] = value
        return value


@dataclass(frozen=True)
class Envelope:
    """Who sends to whom, and how."""

    sender_id: str
    receiver_id: str
    sender_qualifier: str = "ZZ"
    receiver_qualifier: str = "ZZ"
    application_sender: Optional[str] = None  # GS02, defaults to sender_id
    application_receiver: Optional[str] = None  # GS03, defaults to receiver_id
    version: str = "004010"  # GS08 / ST03 base: 004010 | 005010 (may carry a suffix: 004010VICS)
    delimiters: Delimiters = field(default_factory=lambda: Delimiters("*", ":", None, "~", "\n"))
    usage: str = "P"  # ISA15
    ack_requested: bool = False  # ISA14
    authorization: tuple[str, str] = ("00", "")  # ISA01/ISA02
    security: tuple[str, str] = ("00", "")  # ISA03/ISA04
    partner_key: str = ""  # counter key: usually the partner's name

    def isa_version(self) -> str:
        base = self.version[:6]
        if base not in VERSIONS:
            raise EDIError(f"unsupported X12 version {self.version!r} (use 004010 or 005010)")
        return VERSIONS[base]


def check_value(value: str, d: Delimiters, where: str) -> None:
    for name, ch in (("element separator", d.element), ("segment terminator", d.segment),
                     ("component separator", d.component), ("repetition separator", d.repetition)):
        if ch and ch in value:
            raise EDIError(f"{where}: value {value!r} contains the {name} {ch!r}; "
                           f"X12 has no release character, choose other delimiters")


def render_segment(elements: Sequence[str], d: Delimiters) -> str:
    """elements[0] is the tag; trailing empty elements are dropped."""
    n = len(elements)
    while n > 1 and elements[n - 1] == "":
        n -= 1
    return d.element.join(elements[:n]) + d.segment + d.suffix


def _checked(seg: Sequence, d: Delimiters) -> list[str]:
    """Element values are strings, or tuples/lists of components (composites)."""
    out = [seg[0]]
    for i in range(1, len(seg)):
        v = seg[i]
        if v is None:
            v = ""
        if isinstance(v, (list, tuple)):
            parts = ["" if c is None else str(c) for c in v]
            for c in parts:
                check_value(c, d, f"{seg[0]}{i:02d}")
            while len(parts) > 1 and parts[-1] == "":
                parts.pop()
            v = d.component.join(parts)
        elif v:
            check_value(v, d, f"{seg[0]}{i:02d}")
        out.append(v)
    return out


def _pad(value: str, width: int) -> str:
    if len(value) > width:
        raise EDIError(f"ISA value {value!r} longer than {width} characters")
    return value.ljust(width)


@dataclass
class TransactionSet:
    set_id: str  # ST01
    # body segments, ST and SE excluded; elements[0] is the tag; a composite
    # element is a tuple of component strings
    segments: list[list]
    control_number: Optional[str] = None  # ST02 given (resend) or allocated
    implementation_reference: Optional[str] = None  # ST03 (005010 and later)


@dataclass
class FunctionalGroup:
    functional_id: str  # GS01: PO, PR, SH, FA
    transactions: list[TransactionSet]
    control_number: Optional[str] = None


@dataclass
class Written:
    text: str
    interchange_control_number: str
    group_control_numbers: list[str]
    transaction_control_numbers: list[list[str]]

    def encode(self) -> bytes:
        try:
            return self.text.encode("ascii")
        except UnicodeEncodeError:
            return self.text.encode("utf-8")


def render_interchange(groups: Sequence[FunctionalGroup], env: Envelope,
                       counter: ControlNumbers, now: Optional[_dt.datetime] = None,
                       interchange_control_number: Optional[str] = None) -> Written:
    d = env.delimiters
    now = now or _dt.datetime.now()
    isa_version = env.isa_version()
    if len(d.element) != 1 or len(d.component) != 1 or not d.segment:
        raise EDIError("X12 element and component separators must be single characters")
    isa13 = interchange_control_number or f"{counter.next('ISA13', env.partner_key):09d}"
    rep = d.repetition if isa_version >= "00501" else "U"
    if rep is None:
        raise EDIError("005010 needs a repetition separator (ISA11)")
    isa = ["ISA", env.authorization[0], _pad(env.authorization[1], 10),
           env.security[0], _pad(env.security[1], 10),
           _pad(env.sender_qualifier, 2), _pad(env.sender_id, 15),
           _pad(env.receiver_qualifier, 2), _pad(env.receiver_id, 15),
           now.strftime("%y%m%d"), now.strftime("%H%M"), rep, isa_version, isa13,
           "1" if env.ack_requested else "0", env.usage, d.component]
    for v in isa[1:11] + isa[12:-1]:  # ISA11 is the repetition separator itself (00501)
        check_value(v, d, "ISA")
    out = [d.element.join(isa) + d.segment + d.suffix]
    gs_numbers: list[str] = []
    st_numbers: list[list[str]] = []
    for group in groups:
        gs06 = group.control_number or str(counter.next("GS06", env.partner_key))
        gs_numbers.append(gs06)
        gs = ["GS", group.functional_id, env.application_sender or env.sender_id,
              env.application_receiver or env.receiver_id, now.strftime("%Y%m%d"),
              now.strftime("%H%M"), gs06, "X", env.version]
        for v in gs[1:]:
            check_value(v, d, "GS")
        out.append(render_segment(gs, d))
        numbers = []
        for ts in group.transactions:
            st02 = ts.control_number or f"{counter.next('ST02', env.partner_key):04d}"
            numbers.append(st02)
            st = ["ST", ts.set_id, st02]
            if ts.implementation_reference and env.version[:6] >= "005010":
                st.append(ts.implementation_reference)
            out.append(render_segment(st, d))
            for seg in ts.segments:
                out.append(render_segment(_checked(seg, d), d))
            out.append(render_segment(["SE", str(len(ts.segments) + 2), st02], d))
        st_numbers.append(numbers)
        out.append(render_segment(["GE", str(len(group.transactions)), gs06], d))
    out.append(render_segment(["IEA", str(len(groups)), isa13], d))
    return Written("".join(out), isa13, gs_numbers, st_numbers)
