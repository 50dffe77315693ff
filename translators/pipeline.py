"""One path for both standards: detect, read, validate, acknowledge, map.

    bytes -> reader events -> envelope validator -> schema validator
          -> (ack fold)      -> per transaction: mapping -> canonical document

Everything streams: a transaction's segments are held only until its trailer
is read, then mapped and dropped.  Findings are attributed to the item they
concern by their position's control numbers; findings above the transaction
level are reported on an ``interchange`` item.
"""
from __future__ import annotations

import codecs
from dataclasses import dataclass, field
from typing import IO, Any, Callable, Iterable, Iterator, Optional, Protocol, Union

from translators import canonical
from translators.findings import ERROR, EDIError, Finding, Position
from translators.runs import run_end

CHUNK = 1 << 16


# --------------------------------------------------------------------------- results

@dataclass
class Item:
    """One transaction set / message (kind 'document') or the envelope problems
    of one interchange (kind 'interchange')."""

    kind: str
    standard: str
    version: str = ""
    transaction_set: str = ""
    sender: tuple[str, str] = ("", "")  # (qualifier, id)
    receiver: tuple[str, str] = ("", "")
    interchange: Optional[str] = None
    group: Optional[str] = None
    transaction: Optional[str] = None
    test: bool = False
    document: Optional[canonical.Document] = None
    findings: list[Finding] = field(default_factory=list)

    def __init__(self, kind: str, standard: str, version: str = "", transaction_set: str = "",
                 sender: tuple[str, str] = ("", ""), receiver: tuple[str, str] = ("", ""),
                 interchange: Optional[str] = None, group: Optional[str] = None,
                 transaction: Optional[str] = None, test: bool = False,
                 document: Optional[canonical.Document] = None,
                 findings: Optional[list[Finding]] = None) -> None:
        # written out: native when compiled (one per transaction); tests/test_native.py
        # checks it against the fields
        self.kind = kind
        self.standard = standard
        self.version = version
        self.transaction_set = transaction_set
        self.sender = sender
        self.receiver = receiver
        self.interchange = interchange
        self.group = group
        self.transaction = transaction
        self.test = test
        self.document = document
        self.findings = [] if findings is None else findings

    @property
    def has_errors(self) -> bool:
        return any(f.severity == ERROR for f in self.findings)

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "type": canonical.TYPE_NAMES[type(self.document)] if self.document is not None
            else self.kind,
            "standard": self.standard,
            "version": self.version,
        }
        if self.transaction_set:
            out["transaction_set"] = self.transaction_set
        out["sender"] = {"qualifier": self.sender[0], "id": self.sender[1]}
        out["receiver"] = {"qualifier": self.receiver[0], "id": self.receiver[1]}
        out["control_numbers"] = {k: v for k, v in (
            ("interchange", self.interchange), ("group", self.group),
            ("transaction", self.transaction)) if v is not None}
        if self.test:
            out["test"] = True
        if self.document is not None:
            out["content"] = canonical.to_dict(self.document)
        return out


@dataclass(frozen=True)
class Ack:
    kind: str  # TA1 | 997 | 999 | CONTRL | none
    answers: str  # interchange control number answered
    status: str
    text: str

    def to_json(self) -> dict[str, Any]:
        return {"kind": self.kind, "answers": self.answers, "status": self.status,
                "text": self.text}


@dataclass
class ValidationReport:
    valid: bool = True
    interchanges: int = 0
    transactions: int = 0


# --------------------------------------------------------------------------- detection

_EBCDIC_ISA = "ISA".encode("cp037")


def detect_standard(head: bytes) -> Optional[str]:
    """'x12', 'edifact' or None, from the first bytes of a file."""
    data = head
    if data.startswith(codecs.BOM_UTF8):
        data = data[3:]
    data = data.lstrip(b" \t\r\n\x00")
    if data.startswith(b"ISA") or data.startswith(_EBCDIC_ISA):
        return "x12"
    if data[:3] in (b"UNA", b"UNB", b"UNH"):
        return "edifact"
    return None


def _chunks(stream: IO[bytes], first: bytes) -> Iterator[bytes]:
    if first:
        yield first
    while True:
        block = stream.read(CHUNK)
        if not block:
            return
        yield block


def _open(stream: IO[bytes], standard: Optional[str]) -> tuple[str, Iterator[bytes]]:
    head = stream.read(CHUNK)
    std = standard or detect_standard(head) or "unknown"
    return std, _chunks(stream, head)


# --------------------------------------------------------------------------- adapters

class Adapter(Protocol):
    """What the generic loop needs from one standard (translators/x12/adapter.py,
    translators/edifact/adapter.py)."""

    name: str
    # event classes
    InterchangeStart: type
    InterchangeEnd: type
    GroupStart: type
    GroupEnd: type
    TransactionStart: type
    TransactionEnd: type
    Segment: type

    def events(self, chunks: Iterable[bytes], registry: Any) -> Iterator[Any]: ...
    def batches(self, chunks: Iterable[bytes], registry: Any) -> Iterator[list[Any]]: ...
    def interchange_item(self, ev: Any) -> Item: ...
    def transaction_item(self, base: Item, group_ev: Any, ev: Any) -> Item: ...
    def can_map(self, set_id: str) -> bool: ...
    def map(self, item: Item, segments: list, interchange_ev: Any, tx_ev: Any,
            end_ev: Any = None) -> canonical.Document: ...
    def ack_folder(self, ack_type: Optional[str], counter: Any) -> Any: ...
    def render(self, documents: list, **options: Any) -> bytes: ...


def _x12() -> Any:
    from translators.x12 import adapter
    return adapter.X12


def _edifact() -> Any:
    from translators.edifact import adapter
    return adapter.EDIFACT


ADAPTERS: dict[str, Callable[[], Any]] = {"x12": _x12, "edifact": _edifact}


# --------------------------------------------------------------------------- the loop

def _unknown_item(name: str) -> Item:
    return Item(kind="interchange", standard="unknown", findings=[Finding(
        "TA105", "024",
        f"{name}: not an X12 interchange (no ISA) nor an EDIFACT interchange (no UNA/UNB/UNH); "
        "nothing can be read", Position(offset=0))])


def run(stream: IO[bytes], *, standard: Optional[str] = None, map_documents: bool = True,
        acks: bool = False, ack_type: Optional[str] = None, counter: Any = None,
        registry: Any = None, report: Optional[ValidationReport] = None
        ) -> Iterator[Union[Item, Ack]]:
    """The single pass behind translate and validate."""
    report = report if report is not None else ValidationReport()
    std, chunks = _open(stream, standard)
    if std not in ADAPTERS:
        report.valid = False
        yield _unknown_item("input")
        return
    adapter = ADAPTERS[std]()
    folder = adapter.ack_folder(ack_type, counter) if acks else None
    yield from _walk(adapter, chunks, registry=registry, map_documents=map_documents,
                     folder=folder, report=report)


def _mapping_finding(item: Item, exc: EDIError) -> Finding:
    position = getattr(exc, "position", None)
    if not isinstance(position, Position):
        position = Position(interchange=item.interchange, group=item.group,
                            transaction=item.transaction, transaction_set=item.transaction_set)
    return Finding("MAP", "mapping", f"cannot map to the canonical model: {exc}", position)


def _walk(adapter: Any, chunks: Iterable[bytes], *, registry: Any, map_documents: bool,
          folder: Any, report: ValidationReport) -> Iterator[Union[Item, Ack]]:
    seg_t = adapter.Segment
    ic_start_t, ic_end_t = adapter.InterchangeStart, adapter.InterchangeEnd
    gr_start_t = adapter.GroupStart
    tx_start_t, tx_end_t = adapter.TransactionStart, adapter.TransactionEnd
    ic_ev: Any = None
    group_ev: Any = None
    tx_ev: Any = None
    base: Optional[Item] = None  # interchange-level item (collects envelope findings)
    tx: Optional[Item] = None  # transaction being read
    pending: Optional[Item] = None  # finished transaction waiting for trailing findings
    segments: list = []
    feed = folder.feed if folder is not None else None
    for batch in adapter.batches(chunks, registry):
        n = len(batch)
        i = 0
        while i < n:
            if feed is None and tx is not None:
                # a run of the transaction's segments: one slice (translators/runs.py)
                j = run_end(batch, i, seg_t)
                if j > i:
                    if map_documents:
                        segments += batch[i:j]
                    i = j
                    if i >= n:
                        break
            ev = batch[i]
            i += 1
            if feed is not None:
                for ack in feed(ev):
                    yield ack
            t = type(ev)
            if t is seg_t:
                if tx is not None and map_documents:
                    segments.append(ev)
                continue
            if t is Finding:
                if ev.severity == ERROR:
                    report.valid = False
                trans = ev.position.transaction
                if tx is not None and trans is not None and trans == tx.transaction:
                    tx.findings.append(ev)
                elif pending is not None and trans is not None and trans == pending.transaction:
                    pending.findings.append(ev)
                else:
                    if base is None:
                        base = Item(kind="interchange", standard=adapter.name)
                    base.findings.append(ev)
                continue
            if pending is not None:
                yield pending
                pending = None
            if t is tx_start_t:
                tx_ev = ev
                tx = adapter.transaction_item(base or Item(kind="interchange",
                                                           standard=adapter.name), group_ev, ev)
                report.transactions += 1
                segments = []
            elif t is tx_end_t:
                if tx is not None:
                    if map_documents and adapter.can_map(tx.transaction_set):
                        try:
                            tx.document = adapter.map(tx, segments, ic_ev, tx_ev, ev)
                        except EDIError as exc:
                            tx.findings.append(_mapping_finding(tx, exc))
                            report.valid = False
                    pending = tx
                tx = None
                tx_ev = None
                segments = []
            elif t is gr_start_t:
                group_ev = ev
            elif t is ic_start_t:
                ic_ev = ev
                group_ev = None
                report.interchanges += 1
                if base is not None and base.findings:
                    yield base  # findings that preceded this interchange (garbage, no ISA...)
                base = adapter.interchange_item(ev)
            elif t is ic_end_t:
                ic_ev = None
                group_ev = None
                # trailing findings of the interchange may follow; keep base until the next start
    if pending is not None:
        yield pending
    if base is not None and base.findings:
        yield base
    if folder is not None:
        yield from folder.close()


def translate(stream: IO[bytes], *, standard: Optional[str] = None,
              registry: Any = None) -> Iterator[Item]:
    for item in run(stream, standard=standard, registry=registry):
        if isinstance(item, Item):
            yield item


def validate(stream: IO[bytes], *, standard: Optional[str] = None, acks: bool = False,
             ack_type: Optional[str] = None, counter: Any = None, registry: Any = None,
             report: Optional[ValidationReport] = None) -> Iterator[Union[Item, Ack]]:
    yield from run(stream, standard=standard, map_documents=False, acks=acks,
                   ack_type=ack_type, counter=counter, registry=registry, report=report)


# --------------------------------------------------------------------------- render

def _documents_from_json(data: Any) -> list[tuple[canonical.Document, dict[str, Any]]]:
    entries = data if isinstance(data, list) else [data]
    docs = []
    for i, entry in enumerate(entries):
        where = f"[{i}]" if isinstance(data, list) else "document"
        if not isinstance(entry, dict):
            raise canonical.CanonicalError(f"{where}: expected an object")
        if entry.get("type") in ("interchange",):
            continue  # envelope reports carry no content
        if "content" not in entry:
            raise canonical.CanonicalError(f"{where}: no 'content' (a canonical document)")
        doc = canonical.document_from_dict(
            {"type": entry.get("type"), "content": entry["content"]}, where)
        docs.append((doc, entry))
    if not docs:
        raise canonical.CanonicalError("no documents to render")
    return docs


def render(data: Any, *, standard: str, version: str, sender: Optional[str] = None,
           receiver: Optional[str] = None, sender_qualifier: Optional[str] = None,
           receiver_qualifier: Optional[str] = None, association: Optional[str] = None,
           syntax: str = "3", charset: str = "UNOC", test: bool = False,
           counter: Any = None, separators: Optional[str] = None,
           newline: bool = True) -> bytes:
    """Canonical JSON (one document or translate's list) -> interchange bytes."""
    docs = _documents_from_json(data)
    first = docs[0][1]

    def ident(key: str, part: str) -> Optional[str]:
        value = first.get(key)
        return value.get(part) if isinstance(value, dict) else None

    # A translated document is rendered back in the same direction unless told otherwise.
    sender = sender or ident("sender", "id")
    receiver = receiver or ident("receiver", "id")
    if first.get("standard") == standard:  # qualifiers mean nothing across standards
        sender_qualifier = sender_qualifier or ident("sender", "qualifier")
        receiver_qualifier = receiver_qualifier or ident("receiver", "qualifier")
    if not sender or not receiver:
        raise EDIError("sender and receiver IDs are needed: pass --sender and --receiver "
                       "(or render translate's output, which carries them)")
    adapter = ADAPTERS[standard]()
    return adapter.render([d for d, _ in docs], version=version, sender=sender,
                          receiver=receiver, sender_qualifier=sender_qualifier,
                          receiver_qualifier=receiver_qualifier, association=association,
                          syntax=syntax, charset=charset, test=test, counter=counter,
                          separators=separators, newline=newline)
