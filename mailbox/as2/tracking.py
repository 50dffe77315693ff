"""Waiting for asynchronous MDNs to messages we sent: sans-I/O (records in, outcomes out).

The engine keeps one ``SentMessage`` per AS2 message sent with an async MDN requested (its
store persists ``to_record()``; ``from_record()`` reads it back), and gives this module:

* ``match(receipt, pending)`` when an MDN arrives at our server (As2Server ``on_receipt``):
  ``MdnMatched`` (positive and the MIC equals ours: the message is delivered),
  ``MdnNegative`` (the partner reports an error, or the MIC differs: the message is not
  delivered as sent), or ``MdnUnmatched`` (no such message, or the MDN comes from another
  partner than the one we sent to: record it, change nothing);
* ``overdue(pending, now)``: ``MdnOverdueNotice`` for each message whose MDN did not arrive
  within the profile's ``mdn.wait`` (As2Mailbox used on its own; the engine keeps the due
  time in its store and marks late receipts ``overdue`` in SQL). A late MDN still matches.

Nothing here reads a clock or touches storage.
"""
from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass, replace
from typing import Iterable, Mapping, Optional, Union

from edi_mailbox.as2 import mic as _mic
from edi_mailbox.base import Receipt


def message_key(message_id: str) -> str:
    """Message-IDs compare without surrounding blanks and angle brackets (some partners
    echo ``abc@host`` for ``<abc@host>``)."""
    return message_id.strip().strip("<>").strip()


@dataclass(frozen=True)
class SentMessage:
    partner: str  # profile name
    message_id: str
    mic: str  # what Received-content-MIC must equal (SendResult.mic)
    sent_at: _dt.datetime  # aware
    wait: Optional[_dt.timedelta]  # profile transport.as2.mdn.wait; None: wait for ever

    @property
    def key(self) -> str:
        return message_key(self.message_id)

    @property
    def due_by(self) -> Optional[_dt.datetime]:
        return self.sent_at + self.wait if self.wait is not None else None

    def to_record(self) -> dict[str, object]:
        """JSON-ready fields for the engine's store."""
        return {"partner": self.partner, "message_id": self.message_id, "mic": self.mic,
                "sent_at": self.sent_at.isoformat(),
                "wait_seconds": self.wait.total_seconds() if self.wait is not None else None}

    @classmethod
    def from_record(cls, record: Mapping[str, object]) -> "SentMessage":
        wait = record.get("wait_seconds")
        sent_at = _dt.datetime.fromisoformat(str(record["sent_at"]))
        if sent_at.tzinfo is None:
            sent_at = sent_at.replace(tzinfo=_dt.timezone.utc)
        return cls(str(record["partner"]), str(record["message_id"]), str(record["mic"]),
                   sent_at, _dt.timedelta(seconds=float(wait)) if wait is not None else None)


@dataclass(frozen=True)
class MdnMatched:
    sent: SentMessage
    receipt: Receipt  # mic_matches=True, ok=True


@dataclass(frozen=True)
class MdnNegative:
    sent: SentMessage
    receipt: Receipt
    reason: str


@dataclass(frozen=True)
class MdnUnmatched:
    receipt: Receipt
    reason: str


@dataclass(frozen=True)
class MdnOverdueNotice:
    sent: SentMessage
    overdue_by: _dt.timedelta

    def __str__(self) -> str:
        return (f"AS2 to {self.sent.partner}: no MDN for {self.sent.message_id} (sent "
                f"{self.sent.sent_at:%Y-%m-%d %H:%M:%S} UTC) within {self.sent.wait}; "
                f"overdue by {self.overdue_by}; resend the message")


MatchOutcome = Union[MdnMatched, MdnNegative, MdnUnmatched]


def match(receipt: Receipt, pending: Union[Mapping[str, SentMessage], Iterable[SentMessage]]
          ) -> MatchOutcome:
    """The message ``receipt`` answers, among ``pending`` (a mapping by ``message_key`` or
    any iterable of SentMessage), with its Original-Message-ID, sender and MIC checked."""
    key = message_key(receipt.message_id)
    if isinstance(pending, Mapping):
        sent = pending.get(key)
    else:
        sent = next((s for s in pending if s.key == key), None)
    if sent is None:
        return MdnUnmatched(receipt, f"MDN for {receipt.message_id}, which is not a message "
                                     "waiting for an MDN (unknown, or already answered)")
    if receipt.partner is not None and receipt.partner != sent.partner:
        return MdnUnmatched(receipt, f"MDN for {sent.message_id} came from partner "
                                     f"{receipt.partner}, but the message was sent to "
                                     f"{sent.partner}; ignored")
    matches = _mic.matches(receipt.mic, sent.mic)
    receipt = replace(receipt, mic_matches=matches)
    if not receipt.ok:
        return MdnNegative(sent, receipt, f"AS2 partner {sent.partner} refused "
                                          f"{sent.message_id}: {receipt.disposition}")
    if not matches:
        return MdnNegative(sent, receipt, f"AS2 MDN from {sent.partner} for {sent.message_id}: "
                                          f"MIC {receipt.mic!r} differs from ours {sent.mic!r}: "
                                          "the partner did not receive what we sent")
    return MdnMatched(sent, receipt)


def overdue(pending: Iterable[SentMessage], now: _dt.datetime) -> list[MdnOverdueNotice]:
    """Messages whose MDN wait has passed at ``now``, longest overdue first."""
    out = [MdnOverdueNotice(s, now - s.due_by) for s in pending
           if s.due_by is not None and now > s.due_by]
    return sorted(out, key=lambda n: n.overdue_by, reverse=True)
