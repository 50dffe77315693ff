"""Hash-chained, append-only audit events and their verification.

Every state change is an ``AuditEvent``.  Event ``n`` carries ``prev_hash`` = the
hash of event ``n-1`` (``GENESIS`` for event 1) and ``hash`` = ``event_hash`` of
its own fields, so editing, deleting, inserting or reordering an event breaks the
chain.  Deleting the newest events (a truncated tail) leaves a valid chain, so the
engine keeps the head ``(seq, hash)`` in a separate checkpoint and passes it to
``verify`` as ``expected_head``; ``checkpoint_signature`` can HMAC that checkpoint.

Canonical encoding (``canonical_json``), stable across Python versions:
``json.dumps`` with sorted keys, separators ``(",", ":")``, ``ensure_ascii=True``
and ``allow_nan=False`` over a value normalised by ``normalise``:

* ``None``, ``bool``, ``int``, ``str`` as they are; finite ``float`` as JSON
  (shortest round-trip repr); NaN / infinity are rejected;
* ``Decimal`` -> its ``str`` (``Decimal("1.50")`` -> ``"1.50"``, the scale is kept);
  non-finite Decimals are rejected;
* timezone-aware ``datetime`` -> UTC ``YYYY-MM-DDTHH:MM:SS.ffffffZ``; naive ones are
  rejected (ambiguous); ``date`` -> ``YYYY-MM-DD``;
* mappings -> objects (keys must be ``str``); lists and tuples -> arrays;
* anything else (bytes, sets, objects) is rejected with the path of the value:
  archive bytes and reference them by sha256 in ``refs`` instead.

``next_event`` stores the normalised data, so what is stored is what was hashed and
a JSON round trip through the database hashes the same.
"""
from __future__ import annotations

import hashlib
import hmac
import json
import math
import re
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Iterable, Mapping

if TYPE_CHECKING:  # pragma: no cover
    from gateway.archive import Archive

GENESIS = "0" * 64
HASH_VERSION = 1
_HEX64 = re.compile(r"^[0-9a-f]{64}$")
_AT = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$")


class AuditError(ValueError):
    """An event cannot be built or encoded (bad field, data that is not JSON)."""


def format_at(moment: datetime) -> str:
    """ISO-8601 UTC with microseconds, e.g. ``2026-12-02T19:14:28.000123Z``."""
    if moment.tzinfo is None:
        raise AuditError("event time must be timezone-aware (got a naive datetime)")
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def normalise(value: Any, path: str = "data") -> Any:
    """The JSON value an event hashes and stores (see the module docstring)."""
    if value is None or isinstance(value, (bool, str)):
        return value
    if isinstance(value, int):
        return int(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            raise AuditError(f"{path}: {value!r} is not a finite number")
        return float(value)
    if isinstance(value, Decimal):
        if not value.is_finite():
            raise AuditError(f"{path}: {value!r} is not a finite number")
        return str(value)
    if isinstance(value, datetime):
        if value.tzinfo is None:
            raise AuditError(f"{path}: naive datetime {value.isoformat()} (give it a timezone)")
        return format_at(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Mapping):
        out = {}
        for k, v in value.items():
            if not isinstance(k, str):
                raise AuditError(f"{path}: key {k!r} is not a string")
            out[k] = normalise(v, f"{path}.{k}")
        return out
    if isinstance(value, (list, tuple)):
        return [normalise(v, f"{path}[{i}]") for i, v in enumerate(value)]
    raise AuditError(f"{path}: {type(value).__name__} is not JSON-serialisable "
                     f"(archive bytes and reference them by sha256)")


def canonical_json(value: Any) -> str:
    return json.dumps(normalise(value), sort_keys=True, separators=(",", ":"), ensure_ascii=True,
                      allow_nan=False)


def _check_refs(refs: Iterable[str]) -> tuple[str, ...]:
    out = tuple(refs)
    for r in out:
        if not isinstance(r, str) or not _HEX64.match(r):
            raise AuditError(f"refs: {r!r} is not a sha256 (64 lowercase hex digits)")
    return out


def event_hash(seq: int, at: str, kind: str, subject: str, data: Mapping[str, Any],
               refs: Iterable[str], prev_hash: str) -> str:
    """sha256 hex of the canonical JSON of all the event's fields but ``hash``."""
    body = {"v": HASH_VERSION, "seq": seq, "at": at, "kind": kind, "subject": subject,
            "data": data, "refs": list(refs), "prev_hash": prev_hash}
    return hashlib.sha256(canonical_json(body).encode("ascii")).hexdigest()


@dataclass(frozen=True)
class AuditEvent:
    seq: int
    at: str
    kind: str
    subject: str
    data: Mapping[str, Any]
    refs: tuple[str, ...]
    prev_hash: str
    hash: str

    def computed_hash(self) -> str:
        return event_hash(self.seq, self.at, self.kind, self.subject, self.data, self.refs,
                          self.prev_hash)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict (what a store writes); ``from_dict`` reads it back."""
        return {"seq": self.seq, "at": self.at, "kind": self.kind, "subject": self.subject,
                "data": dict(self.data), "refs": list(self.refs), "prev_hash": self.prev_hash,
                "hash": self.hash}

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> "AuditEvent":
        return cls(seq=d["seq"], at=d["at"], kind=d["kind"], subject=d["subject"],
                   data=d["data"], refs=tuple(d["refs"]), prev_hash=d["prev_hash"], hash=d["hash"])


def next_event(prev: AuditEvent | None, *, kind: str, subject: str, data: Mapping[str, Any],
               refs: Iterable[str] = (), at: datetime | str | None = None) -> AuditEvent:
    """The event that follows ``prev`` (pure: no I/O; ``at`` defaults to now, UTC)."""
    if not isinstance(kind, str) or not kind:
        raise AuditError("kind must be a non-empty string")
    if not isinstance(subject, str):
        raise AuditError("subject must be a string")
    if at is None:
        at_s = format_at(datetime.now(timezone.utc))
    elif isinstance(at, datetime):
        at_s = format_at(at)
    elif isinstance(at, str) and _AT.match(at):
        at_s = at
    else:
        raise AuditError(f"at: {at!r} is not ISO-8601 UTC with microseconds "
                         f"(YYYY-MM-DDTHH:MM:SS.ffffffZ) nor a timezone-aware datetime")
    norm = normalise(dict(data))
    refs_t = _check_refs(refs)
    seq = prev.seq + 1 if prev is not None else 1
    prev_hash = prev.hash if prev is not None else GENESIS
    return AuditEvent(seq, at_s, kind, subject, norm, refs_t, prev_hash,
                      event_hash(seq, at_s, kind, subject, norm, refs_t, prev_hash))


@dataclass(frozen=True)
class Problem:
    seq: int | None  # the event concerned; None for the log as a whole
    kind: str  # edited | chain_broken | missing | out_of_order | truncated | head_mismatch
    #            | malformed | file_missing | file_corrupt
    message: str


@dataclass(frozen=True)
class VerifyReport:
    events_checked: int
    files_checked: int
    problems: list[Problem] = field(default_factory=list)
    head: tuple[int, str] | None = None  # last (seq, hash) seen
    problems_omitted: int = 0  # problems beyond max_problems, counted only

    @property
    def ok(self) -> bool:
        return not self.problems and not self.problems_omitted

    def summary(self) -> str:
        if self.ok:
            return (f"audit trail intact: {self.events_checked} events, "
                    f"{self.files_checked} archive files checked")
        n = len(self.problems) + self.problems_omitted
        return (f"audit trail NOT intact: {n} problem(s) in {self.events_checked} events, "
                f"{self.files_checked} archive files checked")


def _short(h: str) -> str:
    return h[:12] + "..." if isinstance(h, str) and len(h) > 12 else str(h)


def verify(events: Iterable[AuditEvent], archive: "Archive | None" = None, *,
           check_files: bool = True, expected_head: tuple[int, str] | None = None,
           after: tuple[int, str] | None = None, max_problems: int = 1000) -> VerifyReport:
    """Check a chain streamed in seq order (constant memory but the set of checked refs).

    ``after`` = ``(seq, hash)`` of an already verified event to check only what
    follows it; ``expected_head`` = the checkpointed head, to detect a truncated tail.
    """
    problems: list[Problem] = []
    omitted = 0

    def report(seq: int | None, kind: str, message: str) -> None:
        nonlocal omitted
        if len(problems) < max_problems:
            problems.append(Problem(seq, kind, message))
        else:
            omitted += 1

    prev_seq, prev_hash = after if after is not None else (0, GENESIS)
    checked_files: dict[str, str] = {}  # sha256 -> status
    files_checked = 0
    count = 0
    head_seen: str | None = None
    last: tuple[int, str] | None = None
    for ev in events:
        count += 1
        seq = ev.seq
        if not isinstance(seq, int) or isinstance(seq, bool):
            report(None, "malformed", f"event #{count} in the log has a non-integer seq {seq!r}")
            continue
        try:
            computed = ev.computed_hash()
        except (AuditError, TypeError, ValueError) as exc:
            computed = None
            report(seq, "malformed", f"event {seq} cannot be encoded ({exc}): it was edited")
        if computed is not None and computed != ev.hash:
            report(seq, "edited", f"event {seq} was edited: its hash does not match its content")
        expected = prev_seq + 1
        if seq <= prev_seq:
            report(seq, "out_of_order", f"event {seq} appears after event {prev_seq}: "
                                        f"events were reordered, duplicated or inserted")
            continue  # keep the chain anchored on the previous event
        if seq > expected:
            gap = f"event {expected}" if seq == expected + 1 else f"events {expected}..{seq - 1}"
            report(expected, "missing", f"{gap} missing between event {prev_seq} and event {seq}: deleted")
        elif ev.prev_hash != prev_hash:
            before = "the start of the log" if prev_seq == 0 else f"event {prev_seq}"
            report(seq, "chain_broken",
                   f"event {seq} does not follow {before}: its prev_hash {_short(ev.prev_hash)} is not "
                   f"{_short(prev_hash)} (an event was rewritten and re-hashed, replaced or inserted)")
        if expected_head is not None and seq == expected_head[0]:
            head_seen = ev.hash
        prev_seq, prev_hash = seq, ev.hash
        last = (seq, ev.hash)
        if check_files and archive is not None:
            for ref in ev.refs:
                status = checked_files.get(ref)
                if status is None:
                    try:
                        status = archive.status(ref)
                    except ValueError:
                        status = "malformed"
                    checked_files[ref] = status
                    files_checked += 1
                if status == "missing":
                    report(seq, "file_missing", f"archive object {_short(ref)} referenced by event {seq} "
                                                f"is missing (not in the store nor any export folder)")
                elif status == "corrupt":
                    report(seq, "file_corrupt", f"archive object {_short(ref)} referenced by event {seq} "
                                                f"is corrupt: its content does not match its sha256")
                elif status == "malformed":
                    report(seq, "malformed", f"event {seq} references {ref!r}, which is not a sha256")
    if expected_head is not None:
        head_seq, head_hash = expected_head
        if prev_seq < head_seq:
            ends = "is empty" if last is None and after is None else f"ends at event {prev_seq}"
            gap = f"event {head_seq}" if head_seq == prev_seq + 1 else f"events {prev_seq + 1}..{head_seq}"
            report(prev_seq + 1, "truncated", f"the log {ends} but the checkpoint says it has {head_seq} "
                                              f"events: {gap} were deleted (truncated tail)")
        elif head_seen is not None and head_seen != head_hash:
            report(head_seq, "head_mismatch", f"event {head_seq} differs from the checkpoint: its hash "
                                              f"{_short(head_seen)} is not {_short(head_hash)} (rewritten)")
        elif head_seen is None and prev_seq >= head_seq and (after is None or head_seq > after[0]):
            report(head_seq, "head_mismatch", f"the checkpointed event {head_seq} is not in the log")
    return VerifyReport(count, files_checked, problems, last, omitted)


def checkpoint_signature(seq: int, hash: str, key: bytes) -> str:
    """HMAC-SHA256 (hex) of a head checkpoint, so the checkpoint itself cannot be forged."""
    if not key:
        raise AuditError("checkpoint signing key is empty")
    return hmac.new(key, f"edi-gateway-audit-head:v1:{seq}:{hash}".encode("ascii"),
                    hashlib.sha256).hexdigest()


def check_checkpoint_signature(seq: int, hash: str, key: bytes, signature: str) -> bool:
    return hmac.compare_digest(checkpoint_signature(seq, hash, key), signature)
