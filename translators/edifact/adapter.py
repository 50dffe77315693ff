"""The EDIFACT side of translators.pipeline: which events mean what, how a
message is mapped, how CONTRL is folded and how documents are rendered."""
from __future__ import annotations

import datetime as _dt
from itertools import chain
from typing import Any, Iterable, Iterator, Optional

from translators import canonical
from translators.findings import EDIError
from translators.gcpause import gc_paused
from translators.pipeline import Ack, Item
from translators.edifact import contrl, events, writer
# for annotations inside EdifactAdapter, where ``events`` names the method
from translators.edifact.events import (
    GroupStart as _GroupStart, InterchangeStart as _InterchangeStart,
    MessageStart as _MessageStart,
)
from translators.edifact.envelope import EnvelopeValidator
from translators.edifact.mapping import MAPPERS, MappingContext, map_message
from translators.edifact.reader import EdifactReader, parse_una
from translators.edifact.validator import MessageValidator
from translators.x12.serialize import MemoryControlNumbers


def checked_events(chunks: Iterable[bytes], registry: Any = None) -> Iterator[Any]:
    """``validate_messages(validate_envelope(iter_events(chunks), registry))``, a reader
    batch at a time: the same events, without a generator step per event and stage."""
    return chain.from_iterable(_checked_batches(chunks, registry))


def _checked_batches(chunks: Iterable[bytes], registry: Any) -> Iterator[list[Any]]:
    reader = EdifactReader()
    envelope = EnvelopeValidator(registry)
    messages = MessageValidator()
    for chunk in chunks:
        batch = reader.feed(chunk)
        if batch:
            yield messages.process(envelope.process(batch))
    batch = messages.process(envelope.process(reader.close()))
    batch += messages.close()
    yield batch


class _ContrlFolder:
    def __init__(self, counter: Any) -> None:
        self._builder = contrl.ContrlBuilder(counter=counter or MemoryControlNumbers())

    @staticmethod
    def _convert(result: Optional[contrl.ContrlResult]) -> list[Ack]:
        if result is None:
            return []
        text = result.text if result.text is not None else (
            "; ".join(result.notes) or "no CONTRL can be addressed (no UNB)")
        kind = "CONTRL" if result.text is not None else "none"
        return [Ack(kind, result.interchange_reference or "", result.status, text)]

    def feed(self, ev: Any) -> list[Ack]:
        return self._convert(self._builder.feed(ev))

    def close(self) -> list[Ack]:
        return self._convert(self._builder.close())


class EdifactAdapter:
    name = "edifact"
    InterchangeStart = events.InterchangeStart
    InterchangeEnd = events.InterchangeEnd
    GroupStart = events.GroupStart
    GroupEnd = events.GroupEnd
    TransactionStart = events.MessageStart
    TransactionEnd = events.MessageEnd
    Segment = events.Segment

    def events(self, chunks: Iterable[bytes], registry: Any) -> Iterator[Any]:
        return checked_events(chunks, registry)

    def batches(self, chunks: Iterable[bytes], registry: Any) -> Iterator[list[Any]]:
        """The events as lists, a reader batch at a time."""
        return _checked_batches(chunks, registry)

    def interchange_item(self, ev: _InterchangeStart) -> Item:
        return Item(kind="interchange", standard="edifact",
                    version=f"{ev.syntax_id}:{ev.syntax_version}",
                    sender=(ev.sender_qualifier, ev.sender_id),
                    receiver=(ev.receiver_qualifier, ev.receiver_id),
                    interchange=ev.control_reference, test=ev.test)

    def transaction_item(self, base: Item, group: Optional[_GroupStart],
                         ev: _MessageStart) -> Item:
        version = f"{ev.version}{ev.release}" if ev.version in ("D", "") else \
            f"{ev.version}:{ev.release}"
        if ev.association_code:
            version += f":{ev.association_code}"
        return Item(kind="document", standard="edifact", version=version,
                    transaction_set=ev.message_type, sender=base.sender, receiver=base.receiver,
                    interchange=base.interchange,
                    group=group.control_reference if group is not None else None,
                    transaction=ev.reference, test=base.test)

    def can_map(self, message_type: str) -> bool:
        return message_type in MAPPERS or message_type == "CONTRL"

    def map(self, item: Item, segments: list, ic: Optional[_InterchangeStart],
            tx: _MessageStart, end: Any = None) -> canonical.Document:
        if tx.message_type == "CONTRL":
            try:
                return contrl.read_contrl(segments, tx)
            except EDIError:
                raise
            except (ValueError, IndexError, TypeError) as exc:
                raise EDIError(f"CONTRL message {tx.reference}: {exc}") from None
        ctx = MappingContext.from_events(tx, ic, references=(item.interchange, item.group))
        with gc_paused():  # a document of many small acyclic objects
            return map_message(tx.message_type, segments, ctx)

    def ack_folder(self, ack_type: Optional[str], counter: Any) -> _ContrlFolder:
        return _ContrlFolder(counter)

    def render(self, documents: list, *, version: str, sender: str, receiver: str,
               sender_qualifier: Optional[str], receiver_qualifier: Optional[str],
               association: Optional[str], syntax: str, charset: str, test: bool,
               counter: Any = None, now: Optional[_dt.datetime] = None,
               separators: Optional[str] = None, newline: bool = True) -> bytes:
        chars = None
        if separators is not None:
            # the six UNA characters: component, element, decimal, release, repetition, terminator
            if len(separators) != 6:
                raise EDIError(f"EDIFACT separators {separators!r}: give the 6 UNA characters "
                               "(component, element, decimal mark, release, repetition or space, "
                               "terminator), e.g. \":+.? '\"")
            parsed, _, problems = parse_una(b"UNA" + separators.encode("latin-1", "replace"))
            if problems:
                raise EDIError(f"EDIFACT separators {separators!r}: {'; '.join(problems)}")
            repetition = separators[4] if syntax == "4" and separators[4] != " " else None
            chars = events.ServiceChars(parsed.component, parsed.element, parsed.decimal,
                                        parsed.release, repetition, parsed.segment)
        env = writer.EdifactEnvelope(
            sender_id=sender, receiver_id=receiver,
            sender_qualifier=sender_qualifier or "14", receiver_qualifier=receiver_qualifier or "14",
            directory=version.upper(), association_code=association or "",
            syntax_id=charset.upper(), syntax_version=syntax, test=test, chars=chars,
            segment_suffix="\n" if newline else "")
        written = writer.render(documents, env, counter or MemoryControlNumbers(), now)
        return written.encode()


EDIFACT = EdifactAdapter()
