"""Write UN/EDIFACT segments and envelopes (UNA, UNB/UNZ, UNG/UNE, UNH/UNT).

Used by the EDIFACT mapping writer and the CONTRL builder.  A segment is a
sequence whose first item is the tag; each data element is

* a ``str`` (or ``None``/``""`` for an empty element),
* a list/tuple of component strings (a composite), or
* a list/tuple of lists/tuples: the occurrences of a syntax-4 repeated
  element (each occurrence a list of components), joined by the repetition
  separator.

Every service character inside a value is preceded by the release
character; trailing empty elements, components and occurrences are dropped.
Interchange, group and message references come from a counter with the same
``next(kind, partner)`` protocol as ``translators.x12.serialize.ControlNumbers``
(kinds ``UNB0020``, ``UNG0048``, ``UNH0062``).

Character sets: UNOA and UNOB accept only their ISO 646 repertoires (a value
outside raises ``EDIError`` naming it); UNOC..UNOK encode with their ISO 8859
part; UNOW/UNOY with UTF-8.
"""
from __future__ import annotations

import datetime as _dt
import re
from dataclasses import dataclass, field
from typing import Optional, Sequence, Union

from translators.edifact.events import DEFAULT_CHARS, LEVEL_B_CHARS, ServiceChars
from translators.edifact.reader import ENCODINGS
from translators.findings import EDIError
from translators.x12.serialize import ControlNumbers, MemoryControlNumbers


class Num(str):
    """A numeric value written by a mapper: the writer puts the interchange's
    decimal mark (UNA) in place of '.'.  (Here, not in the compiled mapping
    modules: mypyc cannot compile a subclass of str.)"""

    __slots__ = ()


Value = Union[None, str, Sequence[Optional[str]], Sequence[Sequence[Optional[str]]]]

#: Character sets we can write.
WRITABLE = frozenset(ENCODINGS) - {"IATA", "IATB"}
_REPERTOIRE = {
    "UNOA": re.compile(r"[^A-Z0-9 .,\-()/='+:?!\"%&*;<>]"),
    "UNOB": re.compile(r"[^A-Za-z0-9 .,\-()/='+:?!\"%&*;<>\x1c\x1d\x1f]"),
}


def default_chars(syntax_id: str = "UNOC", syntax_version: str = "3") -> ServiceChars:
    """Service characters in force without UNA for a syntax identifier and version."""
    if syntax_id == "UNOB":
        return LEVEL_B_CHARS
    if syntax_version == "4":
        return ServiceChars(repetition="*")
    return DEFAULT_CHARS


def una_string(chars: ServiceChars) -> str:
    return ("UNA" + chars.component + chars.element + chars.decimal + (chars.release or " ")
            + (chars.repetition or " ") + chars.segment)


class _Writer:
    """Escaping table for one set of service characters."""

    def __init__(self, chars: ServiceChars) -> None:
        service = [chars.component, chars.element, chars.segment]
        if chars.release:
            service.append(chars.release)
        if chars.repetition:
            service.append(chars.repetition)
        if len(set(service)) != len(service) or any(len(ch) != 1 for ch in service):
            raise EDIError(f"service characters must be distinct single characters: {chars}")
        self.chars = chars
        self.service = "".join(service)
        self.table = ({ord(ch): chars.release + ch for ch in service} if chars.release else None)

    def escape(self, value: str, where: str) -> str:
        if self.table is not None:
            return value.translate(self.table)
        for ch in self.service:
            if ch in value:
                raise EDIError(f"{where}: value {value!r} contains the service character {ch!r} "
                               f"and there is no release character")
        return value

    def components(self, comps: Sequence[Optional[str]], where: str) -> str:
        parts = ["" if v is None else self.escape(str(v), where) for v in comps]
        while parts and parts[-1] == "":
            parts.pop()
        return self.chars.component.join(parts)

    def element(self, value: Value, where: str) -> str:
        if value is None:
            return ""
        if isinstance(value, str):
            return self.escape(value, where)
        if isinstance(value, (list, tuple)):
            if value and all(isinstance(v, (list, tuple)) for v in value):
                if self.chars.repetition is None:
                    if len(value) > 1:
                        raise EDIError(f"{where}: repeated element needs a repetition separator "
                                       f"(syntax version 4)")
                occ = [self.components(v, where) for v in value]  # type: ignore[arg-type]
                while occ and occ[-1] == "":
                    occ.pop()
                return (self.chars.repetition or "").join(occ)
            return self.components(value, where)  # type: ignore[arg-type]
        return self.escape(str(value), where)

    def segment(self, elements: Sequence[Value]) -> str:
        tag = elements[0]
        if not isinstance(tag, str) or not re.fullmatch(r"[A-Z][A-Z0-9]{2}", tag):
            raise EDIError(f"invalid segment tag {tag!r}")
        out = [tag]
        for i in range(1, len(elements)):
            out.append(self.element(elements[i], f"{tag} element {i:02d}"))
        while len(out) > 1 and out[-1] == "":
            out.pop()
        return self.chars.element.join(out) + self.chars.segment


def render_segment(elements: Sequence[Value], chars: ServiceChars = DEFAULT_CHARS) -> str:
    """One segment with its terminator (no newline)."""
    return _Writer(chars).segment(elements)


def escape(value: str, chars: ServiceChars = DEFAULT_CHARS) -> str:
    return _Writer(chars).escape(value, "value")


@dataclass(frozen=True)
class Envelope:
    """Who sends to whom, and how."""

    sender_id: str
    recipient_id: str
    sender_qualifier: str = ""  # S002 0007 (14 = GLN, ZZZ = mutually defined ...)
    recipient_qualifier: str = ""
    syntax_id: str = "UNOC"
    syntax_version: str = "3"
    chars: Optional[ServiceChars] = None  # None: the defaults of the syntax id/version
    una: Optional[bool] = None  # None: written when chars differ from the defaults
    application_reference: str = ""  # 0026
    ack_requested: bool = False  # 0031
    test: bool = False  # 0035
    partner_key: str = ""  # counter key, usually the partner's name
    newline: str = "\n"  # written after each segment ("" for one line)
    sender_routing: str = ""  # S002 0008
    recipient_routing: str = ""  # S003 0014


@dataclass
class Message:
    message_type: str  # 0065
    version: str  # 0052 (D, or 4 for syntax-4 service messages)
    release: str  # 0054 (96A, 01B)
    segments: Sequence[Sequence[Value]]  # body, UNH/UNT excluded
    agency: str = "UN"  # 0051
    association: str = ""  # 0057 (EAN008 ...)
    reference: Optional[str] = None  # 0062 given (resend) or allocated


@dataclass
class Group:
    group_id: str  # 0038: message type in the group
    messages: list[Message]
    application_sender: Optional[str] = None  # UNG S006 0040, defaults to the UNB sender
    application_recipient: Optional[str] = None
    reference: Optional[str] = None  # 0048


@dataclass
class Written:
    text: str
    encoding: str
    interchange_reference: str
    group_references: list[str] = field(default_factory=list)
    message_references: list[str] = field(default_factory=list)

    def encode(self) -> bytes:
        return self.text.encode(self.encoding)


def _dates(now: _dt.datetime, version: str) -> list[str]:
    return [now.strftime("%Y%m%d" if version == "4" else "%y%m%d"), now.strftime("%H%M")]


def render_interchange(items: Sequence[Union[Message, Group]], env: Envelope,
                       counter: Optional[ControlNumbers] = None,
                       now: Optional[_dt.datetime] = None,
                       interchange_reference: Optional[str] = None) -> Written:
    """UNA (when needed) + UNB + messages or groups + UNZ."""
    if env.syntax_id not in WRITABLE:
        raise EDIError(f"cannot write syntax identifier {env.syntax_id!r} "
                       f"(one of {', '.join(sorted(WRITABLE))})")
    if env.syntax_version not in ("1", "2", "3", "4"):
        raise EDIError(f"syntax version must be 1 to 4, not {env.syntax_version!r}")
    if items and any(isinstance(i, Group) for i in items) and \
            not all(isinstance(i, Group) for i in items):
        raise EDIError("an interchange holds either groups or messages, not both")
    counter = counter or MemoryControlNumbers()
    now = now or _dt.datetime.now()
    defaults = default_chars(env.syntax_id, env.syntax_version)
    chars = env.chars or defaults
    if chars.repetition and env.syntax_version != "4":
        raise EDIError("a repetition separator exists only in syntax version 4")
    w = _Writer(chars)
    nl = env.newline
    key = env.partner_key
    out: list[str] = []
    if env.una or (env.una is None and chars != defaults):
        out.append(una_string(chars) + nl)
    ref = interchange_reference or str(counter.next("UNB0020", key))
    unb: list[Value] = [
        "UNB", [env.syntax_id, env.syntax_version],
        [env.sender_id, env.sender_qualifier, env.sender_routing],
        [env.recipient_id, env.recipient_qualifier, env.recipient_routing],
        _dates(now, env.syntax_version), ref, None, env.application_reference or None, None,
        "1" if env.ack_requested else None, None, "1" if env.test else None]
    out.append(w.segment(unb) + nl)
    written = Written("", ENCODINGS[env.syntax_id], ref)

    def message(msg: Message) -> None:
        mref = msg.reference or str(counter.next("UNH0062", key))
        written.message_references.append(mref)
        s009 = [msg.message_type, msg.version, msg.release, msg.agency, msg.association or None]
        out.append(w.segment(["UNH", mref, s009]) + nl)
        for seg in msg.segments:
            out.append(w.segment(seg) + nl)
        out.append(w.segment(["UNT", str(len(msg.segments) + 2), mref]) + nl)

    for item in items:
        if isinstance(item, Group):
            gref = item.reference or str(counter.next("UNG0048", key))
            written.group_references.append(gref)
            first = item.messages[0] if item.messages else None
            s008 = [first.version, first.release, first.association or None] if first else None
            out.append(w.segment([
                "UNG", item.group_id, [item.application_sender or env.sender_id,
                                       env.sender_qualifier],
                [item.application_recipient or env.recipient_id, env.recipient_qualifier],
                _dates(now, env.syntax_version), gref, first.agency if first else "UN",
                s008]) + nl)
            for msg in item.messages:
                message(msg)
            out.append(w.segment(["UNE", str(len(item.messages)), gref]) + nl)
        else:
            message(item)
    out.append(w.segment(["UNZ", str(len(items)), ref]) + nl)
    text = "".join(out)
    _check_charset(text, env.syntax_id, chars)
    written.text = text
    return written


def _check_charset(text: str, syntax_id: str, chars: ServiceChars) -> None:
    rep = _REPERTOIRE.get(syntax_id)
    if rep is not None:
        allowed_extra = {chars.component, chars.element, chars.segment, chars.release,
                         chars.repetition, chars.decimal, "\n", "\r"}
        for m in rep.finditer(text):
            if m.group(0) not in allowed_extra:
                raise EDIError(f"{syntax_id}: character {m.group(0)!r} is outside the character "
                               f"set, in {_context(text, m.start(), chars)!r}; use UNOC or UNOW")
        # the service characters themselves (a partner's UNA, say) must still be encodable
    try:
        text.encode(ENCODINGS[syntax_id])
    except UnicodeEncodeError as exc:
        raise EDIError(f"{syntax_id} ({ENCODINGS[syntax_id]}): character {text[exc.start]!r} "
                       f"cannot be encoded, in {_context(text, exc.start, chars)!r}") from None


def _context(text: str, index: int, chars: ServiceChars) -> str:
    start = text.rfind(chars.segment, 0, index) + 1
    end = text.find(chars.segment, index)
    return text[start:end if end >= 0 else len(text)].strip()


__all__ = ["render_segment", "render_interchange", "escape", "una_string", "default_chars",
           "Envelope", "Message", "Group", "Written", "WRITABLE", "ControlNumbers",
           "MemoryControlNumbers"]
