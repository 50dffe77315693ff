"""The X12 side of translators.pipeline: which events mean what, how a
transaction is mapped, how acknowledgments are folded and how documents are
rendered."""
from __future__ import annotations

import datetime as _dt
import gc
from itertools import chain
from typing import Any, Iterable, Iterator, Optional, Sequence

from translators import canonical
from translators.findings import EDIError
from translators.pipeline import Ack, Item
from translators.x12 import acks, serialize, writer
from translators.x12 import events as x12_events
from translators.x12.envelope import validate_envelope_batches
from translators.x12.mapping import MAPPERS, MappingContext, map_transaction
from translators.x12.reader import iter_batches
from translators.x12.validator import validate_batches


class _AckFolder:
    def __init__(self, ack_type: Optional[str], counter: Any) -> None:
        self._builder = acks.AckBuilder(
            counter=counter or serialize.MemoryControlNumbers(), ack_type=ack_type)

    @staticmethod
    def _convert(results: list[acks.AckResult]) -> list[Ack]:
        return [Ack(r.kind, r.interchange_control_number or "", r.status,
                    r.text or r.reason or "") for r in results]

    def feed(self, ev: Any) -> Sequence[Ack]:
        builder = self._builder
        builder.feed(ev)
        return self._convert(builder.take()) if builder.ready else ()

    def close(self) -> list[Ack]:
        return self._convert(self._builder.close())


class X12Adapter:
    name = "x12"
    InterchangeStart = x12_events.InterchangeStart
    InterchangeEnd = x12_events.InterchangeEnd
    GroupStart = x12_events.GroupStart
    GroupEnd = x12_events.GroupEnd
    TransactionStart = x12_events.TransactionStart
    TransactionEnd = x12_events.TransactionEnd
    Segment = x12_events.Segment

    def batches(self, chunks: Iterable[bytes], registry: Any) -> Iterator[list[Any]]:
        """The events as lists (a reader batch at a time) through both filters."""
        return validate_batches(validate_envelope_batches(iter_batches(chunks), registry))

    def events(self, chunks: Iterable[bytes], registry: Any) -> Iterator[Any]:
        return chain.from_iterable(self.batches(chunks, registry))

    def interchange_item(self, ev: x12_events.InterchangeStart) -> Item:
        return Item(kind="interchange", standard="x12", version=ev.version,
                    sender=(ev.sender_qualifier, ev.sender_id),
                    receiver=(ev.receiver_qualifier, ev.receiver_id),
                    interchange=ev.control_number, test=ev.usage == "T")

    def transaction_item(self, base: Item, group: Optional[x12_events.GroupStart],
                         ev: x12_events.TransactionStart) -> Item:
        return Item(kind="document", standard="x12", version=ev.version,
                    transaction_set=ev.set_id, sender=base.sender, receiver=base.receiver,
                    interchange=base.interchange,
                    group=group.control_number if group is not None else None,
                    transaction=ev.control_number, test=base.test)

    def can_map(self, set_id: str) -> bool:
        return set_id in MAPPERS

    def map(self, item: Item, segments: list, ic: Optional[x12_events.InterchangeStart],
            tx: x12_events.TransactionStart,
            end: Optional[x12_events.TransactionEnd] = None) -> canonical.Document:
        ctx = MappingContext(
            tx.set_id, tx.control_number, tx.version,
            ic.delimiters if ic is not None else None,
            ic.encoding if ic is not None else "ascii",
            item.interchange, item.group, end is not None and end.plain)
        # a document of many small acyclic objects: the collector is paused while it is made
        # (gc_paused written out: this module is compiled, and it runs once per document)
        enabled = gc.isenabled()
        if enabled:
            gc.disable()
        try:
            return map_transaction(tx.set_id, segments, ctx)
        finally:
            if enabled:
                gc.enable()

    @staticmethod
    def delimiters(version: str, separators: Optional[str], newline: bool) -> x12_events.Delimiters:
        """``separators``: element, component, repetition and segment terminator, e.g.
        ``*>^~`` (the default; ':' is avoided as component separator because it is
        common in text)."""
        text = separators or "*>^~"
        if len(text) != 4 or len(set(text)) != 4 or any(c.isalnum() or c == " " for c in text):
            raise EDIError(f"X12 separators {text!r}: give 4 different characters, none a "
                           "letter, digit or space: element, component, repetition, terminator "
                           "(e.g. '*>^~')")
        element, component, repetition, terminator = text[0], text[1], text[2], text[3]
        return x12_events.Delimiters(element, component,
                                 repetition if version[:6] >= "005010" else None, terminator,
                                 "\n" if newline else "")

    def ack_folder(self, ack_type: Optional[str], counter: Any) -> _AckFolder:
        return _AckFolder(ack_type, counter)

    def render(self, documents: list, *, version: str, sender: str, receiver: str,
               sender_qualifier: Optional[str], receiver_qualifier: Optional[str],
               test: bool, counter: Any = None, now: Optional[_dt.datetime] = None,
               separators: Optional[str] = None, newline: bool = True,
               **_edifact_options: Any) -> bytes:
        delimiters = self.delimiters(version, separators, newline)
        env = serialize.Envelope(
            sender_id=sender, receiver_id=receiver,
            sender_qualifier=sender_qualifier or "ZZ", receiver_qualifier=receiver_qualifier or "ZZ",
            version=version, usage="T" if test else "P", delimiters=delimiters)
        written = writer.render(documents, env, counter or serialize.MemoryControlNumbers(), now)
        return written.encode()


X12 = X12Adapter()
