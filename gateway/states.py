"""Every status a gateway document can have and every transition between them.

This module owns the state machine (the h11 habit: one table, no transition
anywhere else).  The store applies a transition as one conditional UPDATE
(``... WHERE id = :id AND status = :from``) in the same database transaction as
its audit event, and the ``status`` column has a CHECK constraint listing
``STATUSES``, so the database itself refuses a status this table does not know.

Flows (``documents.flow``):

``inbound``      a received file (one or more interchanges)
    received --quarantine--> quarantined   unknown/ambiguous sender, channel mismatch,
                                           duplicate interchange, not EDI at all
    received --reject------> rejected      envelope rejected (TA1/CONTRL says why)
    received --translate---> translated    its transactions became ``transaction`` rows
    received --dead--------> dead          permanent failure (an archive object missing...)

``transaction``  one inbound transaction set / message, canonical content archived
    pending --deliver------> delivered     the ERP connector applied it
    pending --reconcile----> reconciled    a 997/999/CONTRL matched against what we sent
    pending --refuse-------> refused       it had errors: the acknowledgment rejected it
    pending --dead---------> dead          the ERP refused it for good (PermanentError)

``outbound``     a document for a partner (from the ERP, or an acknowledgment we owe)
    extracted --render-----> rendered      control numbers allocated, bytes archived
    rendered  --send-------> sent          the transport took it (receipt tracked apart)
    extracted/rendered --dead--> dead

From every final status ``reprocess`` (inbound, transaction) or ``resend``
(outbound) goes back to the first runnable status, and ``retry`` takes a dead
document back to where it died.  Transient failures do not change the status:
they set ``next_attempt_at`` (exponential backoff with jitter) and ``last_error``.
"""
from __future__ import annotations

from typing import Mapping

FLOWS = ("inbound", "transaction", "outbound")

#: status -> the step a worker runs on a document in that status
RUNNABLE: Mapping[tuple[str, str], str] = {
    ("inbound", "received"): "process",
    ("transaction", "pending"): "deliver",
    ("outbound", "extracted"): "render",
    ("outbound", "rendered"): "send",
}

#: (flow, from, event) -> to
TRANSITIONS: Mapping[tuple[str, str, str], str] = {
    ("inbound", "received", "quarantine"): "quarantined",
    ("inbound", "received", "reject"): "rejected",
    ("inbound", "received", "translate"): "translated",
    ("inbound", "received", "dead"): "dead",
    ("inbound", "quarantined", "reprocess"): "received",
    ("inbound", "rejected", "reprocess"): "received",
    ("inbound", "translated", "reprocess"): "received",
    ("inbound", "dead", "retry"): "received",
    ("inbound", "dead", "reprocess"): "received",

    ("transaction", "pending", "deliver"): "delivered",
    ("transaction", "pending", "reconcile"): "reconciled",
    ("transaction", "pending", "refuse"): "refused",
    ("transaction", "pending", "dead"): "dead",
    ("transaction", "delivered", "reprocess"): "pending",
    ("transaction", "reconciled", "reprocess"): "pending",
    ("transaction", "refused", "reprocess"): "pending",
    ("transaction", "dead", "retry"): "pending",
    ("transaction", "dead", "reprocess"): "pending",
    ("transaction", "pending", "supersede"): "superseded",
    ("transaction", "delivered", "supersede"): "superseded",
    ("transaction", "reconciled", "supersede"): "superseded",
    ("transaction", "refused", "supersede"): "superseded",
    ("transaction", "dead", "supersede"): "superseded",

    ("outbound", "extracted", "render"): "rendered",
    ("outbound", "extracted", "dead"): "dead",
    ("outbound", "rendered", "send"): "sent",
    ("outbound", "rendered", "dead"): "dead",
    ("outbound", "sent", "resend"): "rendered",
    ("outbound", "sent", "rerender"): "extracted",
    ("outbound", "dead", "resend"): "rendered",
    ("outbound", "dead", "rerender"): "extracted",
    ("outbound", "dead", "retry"): "extracted",  # ``retry`` goes back to ``dead_from``
}

STATUSES: tuple[str, ...] = tuple(sorted(
    {s for (_, s, _) in TRANSITIONS} | set(TRANSITIONS.values())))

FINAL: frozenset[str] = frozenset(STATUSES) - {s for (_, s) in RUNNABLE}

#: receipt (MDN), functional acknowledgment and business response of an outbound document
TRACKING_STATUSES = ("none", "pending", "accepted", "accepted_with_errors",
                     "accepted_with_changes", "rejected", "overdue")


class TransitionError(Exception):
    """A transition the table does not allow (a programming or concurrency error)."""


def target(flow: str, status: str, event: str) -> str:
    try:
        return TRANSITIONS[(flow, status, event)]
    except KeyError:
        allowed = sorted(e for (f, s, e) in TRANSITIONS if f == flow and s == status)
        raise TransitionError(
            f"{flow} document in status {status!r} cannot {event!r}"
            + (f" (it can: {', '.join(allowed)})" if allowed else " (it is final)")) from None


def events_from(flow: str, status: str) -> list[str]:
    return sorted(e for (f, s, e) in TRANSITIONS if f == flow and s == status)
