"""The pipeline: the steps a worker runs on a claimed document.

    inbound file     received  --process-->  translated | rejected | quarantined
    transaction      pending   --deliver-->  delivered | reconciled | refused
    outbound         extracted --render--->  rendered  --send--> sent

Each step does its slow work (reading the archive, translating, calling the ERP or a
transport) outside any database transaction, then commits its result, its new rows and
its audit events in one transaction guarded by the claim (gateway.store).  A worker
killed at any point leaves the document in its old status; the next claim runs the step
again.  What a repeated step could do twice is made harmless: archive writes are
content-addressed, inbound child rows and the acknowledgments we owe have stable keys,
ERP connectors replay by key (gateway.connectors.base), transports overwrite the same
name.  Control numbers are allocated in their own transactions (a gap, never a repeat).
"""
from __future__ import annotations

import datetime as _dt
import json
import logging
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable, Iterator, Mapping, Optional

import sqlalchemy as sa

from gateway.archive import Archive, ArchiveError
from gateway.connectors.base import (AckNotice, Connector, Delivery, DeliveryResult,
                                     SentNotice)
from gateway.envelope import HEAD, channel_of, first_envelope
from gateway.errors import PermanentError, SecurityError, TransientError
from gateway.numbers import SeenInterchanges, SeenReferences, StoreCounter
from gateway.profiles.identity import Rejected, Resolved
from gateway.profiles.model import Profile
from gateway.store import LostClaim, Store
from gateway.store import schema as t
from edi_mailbox.as2 import mic as as2_mic, tracking
from edi_mailbox.base import Accepted, InboundFile, Receipt
from translators import canonical, pipeline
from translators.findings import ERROR, EDIError

log = logging.getLogger("edi_gateway")

ACK_TYPES = {"997", "999", "TA1", "CONTRL"}
EXTENSIONS = {"x12": "x12", "edifact": "edi"}


@dataclass(frozen=True)
class EngineSettings:
    duplicate_window: _dt.timedelta = _dt.timedelta(days=180)
    claim_batch: int = 8


@dataclass
class StepResult:
    document_id: int
    step: str
    status: str
    detail: str = ""


@dataclass
class _Child:
    """One transaction of a file being processed: its canonical content is archived at once,
    so a 50 MB interchange holds only these small records until its commit."""

    key: str
    item: pipeline.Item  # with document dropped (see doc_type, number)
    content_sha256: Optional[str]
    status: str  # pending | refused
    detail: Optional[str]
    doc_type: str = "unknown"
    number: Optional[str] = None


@dataclass
class ProfilesView:
    """What the engine needs from the profile registry (a snapshot per step)."""

    get: Callable[[str], Optional[Profile]]
    resolve: Callable[..., Any]
    all: Callable[[], Mapping[str, Profile]]


def _json_bytes(value: Any) -> bytes:
    # no indent: json's C encoder only runs without one (10x faster on a large 856)
    return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"),
                      default=str).encode("utf-8")


def _doc_number(doc: Any) -> Optional[str]:
    for attr in ("number", "order_number", "group_control_number"):
        value = getattr(doc, attr, None)
        if value:
            return str(value)[:100]
    return None


def _describe(f: Any, name: str) -> str:
    try:
        return f.describe(name)
    except TypeError:
        return f.describe()


class Engine:
    def __init__(self, store: Store, archive: Archive, profiles: ProfilesView,
                 connector: Connector, *, mailbox_for: Callable[[Profile], Any],
                 settings: EngineSettings = EngineSettings()) -> None:
        self.store = store
        self.archive = archive
        self.profiles = profiles
        self.connector = connector
        self.mailbox_for = mailbox_for
        self.settings = settings

    # ================================================================== accept (transports)

    def accept(self, inbound: InboundFile) -> Accepted:
        """edi_mailbox.base.Accept: archive (fsynced) and record, idempotently."""
        if inbound.path is None:
            ref = self.archive.put(inbound.data)
            head = inbound.data[:HEAD]
        else:  # streamed: memory does not grow with the file
            first: list[bytes] = []

            def chunks() -> Iterator[bytes]:
                for block in inbound.chunks():
                    if not first:
                        first.append(block[:HEAD])
                    yield block

            ref = self.archive.put_stream(chunks())
            head = first[0] if first else b""
        meta = dict(inbound.meta)
        standard = pipeline.detect_standard(head)
        doc_id, duplicate = self.store.accept_file(
            partner=inbound.partner, channel=inbound.channel, name=inbound.name,
            sha256=ref.sha256, size=ref.size, meta=meta, standard=standard)
        return Accepted(str(doc_id), duplicate)

    def security_event(self, partner: str, channel: str, message: str) -> None:
        """edi_mailbox.base.SecurityHook: a refused host key, a channel mismatch..."""
        with self.store.transaction() as conn:
            self.store.append_event(conn, "security", f"partner/{partner}",
                                    {"partner": partner, "channel": channel,
                                     "message": message})

    def transport_event(self, kind: str, partner: Optional[str], message: str) -> None:
        with self.store.transaction() as conn:
            self.store.append_event(conn, f"transport:{kind}", f"partner/{partner or '-'}",
                                    {"partner": partner, "message": message})

    def receipt_arrived(self, receipt: Receipt) -> None:
        """An asynchronous MDN for a message we sent: matched by Original-Message-ID (with or
        without angle brackets), by the partner whose certificate signed it, and by MIC."""
        d = t.documents.c
        key = tracking.message_key(receipt.message_id)
        with self.store.transaction() as conn:
            row = conn.execute(sa.select(t.documents).where(
                d.flow == "outbound", d.transport_id.in_([f"<{key}>", key]))
                .order_by(d.id.desc())).first()
            pending = [] if row is None else [tracking.SentMessage(
                row.partner, row.transport_id, row.mic or "", row.updated_at or
                self.store.clock(), None)]
            outcome = tracking.match(receipt, pending)
            if isinstance(outcome, tracking.MdnUnmatched):
                self.store.append_event(conn, "receipt_unmatched", "mdn", {
                    "message_id": receipt.message_id, "partner": receipt.partner,
                    "disposition": receipt.disposition, "reason": outcome.reason})
                log.warning("%s", outcome.reason)
                return
            assert row is not None
            status = self._receipt_status(outcome.receipt, row.mic)
            self.store.update(conn, row.id, receipt_status=status)
            self.store.append_event(conn, "receipt", f"document/{row.id}", {
                "partner": row.partner, "message_id": receipt.message_id,
                "disposition": receipt.disposition, "status": status,
                "mic_matches": outcome.receipt.mic_matches}, document_id=row.id)
        self._notify_ack(dict(row._mapping), "mdn", status, receipt.disposition)

    @staticmethod
    def _receipt_status(receipt: Receipt, mic: Optional[str]) -> str:
        if not receipt.ok:
            return "rejected"
        if receipt.mic_matches is False or (mic and not as2_mic.matches(receipt.mic, mic)):
            return "accepted_with_errors"
        return "accepted"

    # ================================================================== dispatch

    def run_step(self, doc: dict[str, Any], worker: str) -> StepResult:
        step = {("inbound", "received"): self.process, ("transaction", "pending"): self.deliver,
                ("outbound", "extracted"): self.render, ("outbound", "rendered"): self.send}[
            (doc["flow"], doc["status"])]
        try:
            return step(doc, worker)
        except LostClaim as exc:
            return StepResult(doc["id"], step.__name__, doc["status"], f"lost claim: {exc}")
        except PermanentError as exc:
            status = self.store.fail(doc, worker, str(exc), permanent=True)
            return StepResult(doc["id"], step.__name__, status, str(exc))
        except (TransientError, SecurityError, OSError, sa.exc.OperationalError,
                sa.exc.IntegrityError) as exc:
            status = self.store.fail(doc, worker, f"{type(exc).__name__}: {exc}")
            return StepResult(doc["id"], step.__name__, status, str(exc))
        except ArchiveError as exc:
            status = self.store.fail(doc, worker, str(exc), permanent=True)
            return StepResult(doc["id"], step.__name__, status, str(exc))
        except Exception as exc:  # a bug must not stop the gateway: retry, then dead-letter
            log.exception("document %s: %s failed", doc["id"], step.__name__)
            status = self.store.fail(doc, worker, f"internal error {type(exc).__name__}: {exc}")
            return StepResult(doc["id"], step.__name__, status, str(exc))

    # ================================================================== inbound: process

    def _file_label(self, doc: Mapping[str, Any]) -> str:
        meta = doc.get("meta") or {}
        return f"{meta.get('name', 'file')} (document {doc['id']}, from {doc.get('partner')})"

    def process(self, doc: dict[str, Any], worker: str) -> StepResult:
        label = self._file_label(doc)
        with self.archive.open(doc["raw_sha256"]) as fh:
            head = fh.read(HEAD)
        envelope = first_envelope(head)
        if envelope is None:
            why = (f"{label}: not an X12 interchange (no ISA) nor an EDIFACT interchange "
                   "(no UNA/UNB); kept in quarantine")
            return self._quarantine(doc, worker, "not_edi", why)
        channel = channel_of(doc["meta"].get("channel", ""), doc["meta"])
        resolution = self.profiles.resolve(envelope, channel)
        if isinstance(resolution, Rejected):
            why = f"{label}: {resolution.message} ({resolution.searched})"
            if resolution.security_event is not None:
                self.security_event(doc.get("partner") or "-", doc["meta"].get("channel", ""),
                                    resolution.message)
            answer_to = self._answer_to(resolution, channel)
            if resolution.ack is not None and answer_to is not None:
                acks = self._rejection_acks(doc, envelope.standard, resolution.ack, answer_to)
                return self._finish_inbound(doc, worker, answer_to, "quarantine", why, [], acks,
                                            None, reason=resolution.reason)
            return self._quarantine(doc, worker, resolution.reason, why)
        assert isinstance(resolution, Resolved)
        profile = resolution.profile
        policy = profile.acknowledgments
        counter = StoreCounter(self.store, profile.name)
        seen = (SeenInterchanges if envelope.standard == "x12" else SeenReferences)(
            self.store, window=self.settings.duplicate_window, document_id=doc["id"])
        children: list[_Child] = []
        acks: list[pipeline.Ack] = []
        envelope_errors: list[str] = []
        duplicate = False
        with self.archive.open(doc["raw_sha256"]) as fh:
            for out in pipeline.run(fh, standard=envelope.standard, map_documents=True,
                                    acks=True,
                                    ack_type=policy.send if policy.send in ("997", "999")
                                    else None, counter=counter, registry=seen):
                if isinstance(out, pipeline.Ack):
                    if out.kind != "none" and out.text:
                        acks.append(out)
                    continue
                if out.kind == "interchange":
                    for f in out.findings:
                        if f.severity != ERROR:
                            continue
                        if (f.field, f.code) in (("TA105", "025"), ("UCI0085", "26")):
                            duplicate = True
                        envelope_errors.append(_describe(f, label))
                    continue
                children.append(self._child(doc, profile, out, len(children), label))
        acks = [a for a in acks if self._ack_wanted(profile, a)]
        mixed = [c for c in children if (c.item.sender[1].strip(), c.item.receiver[1].strip())
                 != (envelope.sender_id, envelope.receiver_id)]
        if mixed:
            envelope_errors.append(f"{label}: interchange {mixed[0].item.interchange} names "
                                   f"sender {mixed[0].item.sender[1]!r}, not {profile.name}'s "
                                   f"{envelope.sender_id!r}; files must hold one partner's "
                                   "interchanges")
        if duplicate:
            earlier = sorted(set(seen.duplicates.values()))
            why = (f"{label}: duplicate interchange {envelope.control_number} from "
                   f"{envelope.describe()}: received before in document "
                   f"{', '.join(map(str, earlier)) or 'earlier in this file'}; not processed "
                   "again (the acknowledgment says so)")
            return self._finish_inbound(doc, worker, profile, "quarantine", why, [], acks, seen,
                                        reason="duplicate")
        if envelope_errors:
            why = "; ".join(envelope_errors[:20]) + (
                f" (+{len(envelope_errors) - 20} more)" if len(envelope_errors) > 20 else "")
            return self._finish_inbound(doc, worker, profile, "reject", why, [], acks, seen,
                                        reason="envelope")
        return self._finish_inbound(doc, worker, profile, "translate",
                                    f"{len(children)} transaction(s)", children, acks, seen)

    def _answer_to(self, rejection: Rejected, channel: Any) -> Optional[Profile]:
        """Whom a TA1/CONTRL "unknown sender/receiver" goes to: the partner whose channel the
        file came over, or (unknown receiver) the partner the sender belongs to."""
        if rejection.reason not in ("unknown_sender", "unknown_receiver"):
            return None
        from gateway.profiles.identity import owns_channel
        pool = list(self.profiles.all().values())
        if channel is not None:
            owners = [p for p in pool if p.enabled and owns_channel(p, channel)]
            if len(owners) == 1:
                return owners[0]
        if rejection.reason == "unknown_receiver" and len(rejection.candidates) == 1:
            return self.profiles.get(rejection.candidates[0])
        return None

    def _rejection_acks(self, doc: Mapping[str, Any], standard: str, finding: Any,
                        profile: Profile) -> list[pipeline.Ack]:
        """The TA1 / CONTRL that rejects the interchange for ``finding``, numbered from
        ``profile``'s sequence."""
        adapter = pipeline.ADAPTERS[standard]()
        folder = adapter.ack_folder(None, StoreCounter(self.store, profile.name))
        out: list[pipeline.Ack] = []
        injected = False
        with self.archive.open(doc["raw_sha256"]) as fh:
            for ev in adapter.events(iter(lambda: fh.read(pipeline.CHUNK), b""), None):
                out += folder.feed(ev)
                if not injected and isinstance(ev, adapter.InterchangeStart):
                    out += folder.feed(finding)
                    injected = True
        out += folder.close()
        return [a for a in out if a.kind != "none" and a.text]

    def _ack_wanted(self, profile: Profile, ack: pipeline.Ack) -> bool:
        send = profile.acknowledgments.send
        if ack.kind == "TA1":
            return True  # requested by ISA14 or a rejection the partner must hear about
        if send == "none":
            return False
        if ack.kind == "CONTRL":
            return send == "CONTRL" or ack.status != "accepted"
        return True

    def _child(self, doc: Mapping[str, Any], profile: Profile, item: pipeline.Item,
               index: int, label: str) -> _Child:
        key = (f"in/{doc['id']}/{item.interchange}/{item.group or '-'}/"
               f"{item.transaction}/{index}")
        errors = [_describe(f, label) for f in item.findings if f.severity == ERROR]
        document = item.document
        sha = self.archive.put(_json_bytes(item.to_json())).sha256 if document is not None \
            else None
        doc_type = (canonical.TYPE_NAMES[type(document)] if document is not None
                    else (item.transaction_set or "unknown"))
        number = _doc_number(document) if document is not None else None
        item.document = None  # archived; keep memory flat over a long interchange
        item.findings = []

        def child(status: str, detail: Optional[str]) -> _Child:
            return _Child(key, item, sha, status, detail, doc_type, number)
        if errors:
            return child("refused", "; ".join(errors[:10]))
        if document is None:
            return child("refused", f"{label}: transaction set {item.transaction_set} "
                         f"{item.transaction} is valid but the gateway has no mapping for it")
        rule = profile.documents.get(doc_type)
        if doc_type != "functional_ack" and (rule is None or rule.direction != "receive"):
            return child("refused",
                         f"{label}: profile {profile.name} does not receive {doc_type} "
                         f"({item.transaction_set} {item.transaction}): add "
                         f"documents.{doc_type} with direction: receive to "
                         f"{profile.source.name}, then `edi-gateway reprocess {doc['id']}`")
        return child("pending", None)

    def _quarantine(self, doc: Mapping[str, Any], worker: str, reason: str, why: str
                    ) -> StepResult:
        with self.store.transaction() as conn:
            status = self.store.transition(conn, doc, "quarantine", worker=worker, values=dict(
                detail=why), data={"reason": reason, "detail": why})
        return StepResult(doc["id"], "process", status, why)

    def _finish_inbound(self, doc: Mapping[str, Any], worker: str, profile: Profile,
                        event: str, why: str, children: list[_Child],
                        acks: list[pipeline.Ack], seen: Any, reason: str = "") -> StepResult:
        refs = {c.key: c.content_sha256 for c in children if c.content_sha256 is not None}
        ack_refs = [(a, self.archive.put(a.text.encode("latin-1", "replace"))) for a in acks]
        with self.store.transaction() as conn:
            if seen is not None and (event != "quarantine" or reason != "duplicate"):
                for key in seen.fresh:
                    other = self.store.record_seen(conn, seen.standard, *key, doc["id"],
                                                   since=seen.since)
                    if other is not None:
                        raise TransientError(f"interchange {key[2]} from {key[1]} was just "
                                             f"recorded by document {other}; processing again")
            for c in children:
                self._upsert_child(conn, doc, profile, c, refs.get(c.key))
            for i, (ack, ref) in enumerate(ack_refs):
                self._queue_ack(conn, doc, profile, i, ack, ref.sha256)
            status = self.store.transition(
                conn, doc, event, worker=worker,
                values=dict(partner=profile.name, detail=why,
                            standard=profile.standard,
                            interchange_cn=(children[0].item.interchange if children else None)),
                data={"profile": profile.name, "detail": why, "reason": reason,
                      "transactions": len(children),
                      "acks": [f"{a.kind} {a.status}" for a in acks]},
                refs=sorted(set(refs.values()) | {r.sha256 for _, r in ack_refs}))
        return StepResult(doc["id"], "process", status, why)

    def _upsert_child(self, conn: Any, doc: Mapping[str, Any], profile: Profile, c: _Child,
                      content_ref: Optional[str]) -> None:
        item = c.item
        doc_type = c.doc_type
        values = dict(flow="transaction", status=c.status, partner=profile.name,
                      doc_type=doc_type, standard=item.standard, version=item.version,
                      transaction_set=item.transaction_set, number=c.number,
                      parent_id=doc["id"], file_id=doc.get("file_id"),
                      interchange_cn=item.interchange, group_cn=item.group,
                      transaction_cn=item.transaction, content_sha256=content_ref,
                      raw_sha256=doc["raw_sha256"], detail=c.detail, attempts=0,
                      last_error=None, dead_from=None,
                      meta={"test": item.test, "sender": list(item.sender),
                            "receiver": list(item.receiver)})
        existing = self.store.find_key(conn, c.key)
        if existing is None:
            child_id = self.store.insert_document(conn, key=c.key, **values)
            event = "translated" if c.status == "pending" else "refused"
        else:
            child_id = existing
            values["next_attempt_at"] = self.store.clock()
            self.store.update(conn, child_id, **values)
            event = "retranslated"
        self.store.append_event(conn, event, f"document/{child_id}", {
            "partner": profile.name, "parent": doc["id"], "type": doc_type,
            "transaction_set": item.transaction_set, "control_numbers": {
                "interchange": item.interchange, "group": item.group,
                "transaction": item.transaction}, "status": c.status,
            "detail": c.detail}, refs=[content_ref] if content_ref else [],
            document_id=child_id)

    def _queue_ack(self, conn: Any, doc: Mapping[str, Any], profile: Profile, index: int,
                   ack: pipeline.Ack, sha256: str) -> None:
        key = f"ack/{doc['id']}/{index}/{ack.kind}"
        if self.store.find_key(conn, key) is not None:
            return  # owed once: a reprocessed file does not acknowledge twice
        ack_id = self.store.insert_document(
            conn, key=key, flow="outbound", status="rendered", partner=profile.name,
            doc_type=ack.kind, standard=profile.standard, answers_id=doc["id"],
            interchange_cn=ack.answers, raw_sha256=sha256, detail=ack.status,
            meta={"answers": ack.answers, "status": ack.status})
        self.store.append_event(conn, "ack_queued", f"document/{ack_id}", {
            "partner": profile.name, "kind": ack.kind, "status": ack.status,
            "answers": ack.answers, "for": doc["id"]}, refs=[sha256], document_id=ack_id)

    # ================================================================== transaction: deliver

    def _load_document(self, doc: Mapping[str, Any]) -> tuple[canonical.Document, dict]:
        data = json.loads(self.archive.read(doc["content_sha256"]))
        return canonical.document_from_dict({"type": data["type"], "content": data["content"]},
                                            f"document {doc['id']}"), data

    def deliver(self, doc: dict[str, Any], worker: str) -> StepResult:
        document, data = self._load_document(doc)
        if isinstance(document, canonical.FunctionalAck):
            return self._reconcile(doc, worker, document)
        meta = {"standard": doc.get("standard"), "version": doc.get("version"),
                "transaction_set": doc.get("transaction_set"),
                "control_numbers": data.get("control_numbers", {}),
                "sender": data.get("sender"), "receiver": data.get("receiver"),
                "test": bool(data.get("test"))}
        result: DeliveryResult = self.connector.deliver(
            Delivery(key=doc["key"], partner=doc["partner"], document=document, meta=meta,
                     content=data["content"]))
        erp = {"effects": list(result.effects), "replayed": result.replayed,
               "erp_refs": dict(result.erp_refs),
               "exceptions": [{"code": e.code, "message": e.message} for e in result.exceptions]}
        answered: list[dict[str, Any]] = []
        with self.store.transaction() as conn:
            if isinstance(document, canonical.OrderResponse):
                answered = self._business_response(conn, doc, document)
            status = self.store.transition(
                conn, doc, "deliver", worker=worker,
                values=dict(erp_result=json.dumps(erp, default=str),
                            detail="; ".join(e.message for e in result.exceptions) or None),
                data={"erp": erp})
        for row, st in answered:
            self._notify_ack(row, "business_response", st, f"{doc['doc_type']} {doc['number']}")
        detail = "; ".join(result.effects)
        return StepResult(doc["id"], "deliver", status, detail)

    def _business_response(self, conn: Any, doc: Mapping[str, Any],
                           response: canonical.OrderResponse) -> list[Any]:
        d = t.documents.c
        rows = conn.execute(sa.select(t.documents).where(
            d.flow == "outbound", d.partner == doc["partner"], d.doc_type == "purchase_order",
            d.number == response.order_number)).fetchall()
        status = {"accepted": "accepted", "rejected": "rejected"}.get(
            response.status, "accepted_with_changes")
        out = []
        for row in rows:
            self.store.update(conn, row.id, response_status=status)
            self.store.append_event(conn, "business_response", f"document/{row.id}", {
                "partner": doc["partner"], "status": status, "response": doc["id"],
                "order": response.order_number}, document_id=row.id)
            out.append((dict(row._mapping), status))
        return out

    def _reconcile(self, doc: dict[str, Any], worker: str, ack: canonical.FunctionalAck
                   ) -> StepResult:
        d = t.documents.c
        matched: list[tuple[dict[str, Any], str]] = []
        with self.store.transaction() as conn:
            base = sa.select(t.documents).where(
                d.flow == "outbound", d.partner == doc["partner"],
                d.doc_type.not_in(sorted(ACK_TYPES)))
            if ack.ack_type == "CONTRL" and ack.interchange_control_number:
                rows = conn.execute(base.where(
                    d.interchange_cn == _plain_number(ack.interchange_control_number))).fetchall()
            elif ack.group_control_number:
                rows = conn.execute(base.where(
                    d.group_cn == _plain_number(ack.group_control_number))).fetchall()
            else:
                rows = []
            by_tx = {_plain_number(a.control_number): a.status for a in ack.transactions}
            for row in rows:
                tx_status = by_tx.get(_plain_number(row.transaction_cn or ""))
                status = tx_status or ack.status
                status = {"partially_accepted": "accepted_with_errors",
                          "received": "accepted"}.get(status, status)
                if status not in ("accepted", "accepted_with_errors", "rejected"):
                    status = "accepted_with_errors"
                self.store.update(conn, row.id, ack_status=status)
                self.store.append_event(conn, "acknowledged", f"document/{row.id}", {
                    "partner": doc["partner"], "status": status, "by": doc["id"],
                    "ack_type": ack.ack_type}, document_id=row.id)
                matched.append((dict(row._mapping), status))
            detail = (f"{ack.ack_type} {ack.status} for "
                      + (", ".join(f"document {r['id']} ({s})" for r, s in matched)
                         if matched else "nothing we sent (no outbound document has group "
                         f"{ack.group_control_number} / interchange "
                         f"{ack.interchange_control_number})"))
            status = self.store.transition(conn, doc, "reconcile", worker=worker,
                                           values=dict(detail=detail),
                                           data={"matched": [r["id"] for r, _ in matched]})
        for row, st in matched:
            self._notify_ack(row, "functional_ack", st, f"{ack.ack_type} {ack.status}")
        return StepResult(doc["id"], "deliver", status, detail)

    def _notify_ack(self, row: Mapping[str, Any], kind: str, status: str, detail: str) -> None:
        if row.get("doc_type") in ACK_TYPES:
            return
        try:
            self.connector.acknowledged(AckNotice(key=row["key"], partner=row["partner"],
                                                  kind=kind, status=status, detail=detail))
        except (TransientError, PermanentError, OSError) as exc:
            log.warning("connector could not record %s for document %s: %s", kind,
                        row.get("id"), exc)

    # ================================================================== outbound

    def add_outbound(self, outbound: Iterable[Any], *, watermark: Optional[tuple[str, str]] = None
                     ) -> list[tuple[int, bool]]:
        """Record documents the ERP wants sent (connector.extract / outbound_for).
        Returns (document id, new) per document; a key seen before is not sent again."""
        staged = []
        for ob in outbound:
            body = {"type": canonical.TYPE_NAMES[type(ob.document)],
                    "content": canonical.to_dict(ob.document)}
            staged.append((ob, self.archive.put(_json_bytes(body)).sha256))
        out: list[tuple[int, bool]] = []
        with self.store.transaction() as conn:
            for ob, sha in staged:
                existing = self.store.find_key(conn, ob.key)
                if existing is not None:
                    out.append((existing, False))
                    continue
                doc_type = canonical.TYPE_NAMES[type(ob.document)]
                doc_id = self.store.insert_document(
                    conn, key=ob.key, flow="outbound", status="extracted", partner=ob.partner,
                    doc_type=doc_type, number=_doc_number(ob.document), content_sha256=sha,
                    meta={"erp_ref": dict(ob.erp_ref)})
                self.store.append_event(conn, "extracted", f"document/{doc_id}", {
                    "partner": ob.partner, "type": doc_type, "key": ob.key,
                    "number": _doc_number(ob.document), "erp_ref": dict(ob.erp_ref)},
                    refs=[sha], document_id=doc_id)
                out.append((doc_id, True))
            if watermark is not None:
                self.store.set_setting(conn, watermark[0], watermark[1])
        return out

    def _profile(self, doc: Mapping[str, Any]) -> Profile:
        profile = self.profiles.get(doc["partner"])
        if profile is None:
            raise TransientError(f"partner {doc['partner']!r} has no profile in force (removed "
                                 "or refused): fix the profile; the document waits")
        if not profile.enabled:
            raise TransientError(f"profile {profile.name} is disabled; the document waits")
        return profile

    def render(self, doc: dict[str, Any], worker: str) -> StepResult:
        profile = self._profile(doc)
        document, _ = self._load_document(doc)
        rule = profile.documents.get(doc["doc_type"])
        if rule is None or rule.direction != "send":
            raise PermanentError(
                f"profile {profile.name} ({profile.source.name}) does not send "
                f"{doc['doc_type']}: add documents.{doc['doc_type']} with direction: send, "
                f"then `edi-gateway retry {doc['id']}`")
        counter = StoreCounter(self.store, profile.name)
        data = render_for_profile(profile, document, rule.version, rule.association, counter)
        ref = self.archive.put(data)
        now = self.store.clock()
        values: dict[str, Any] = dict(
            standard=profile.standard, version=rule.version, raw_sha256=ref.sha256,
            interchange_cn=counter.first("ISA13", "UNB0020"),
            group_cn=counter.first("GS06", "UNG0048"),
            transaction_cn=counter.first("ST02", "UNH0062"),
            transaction_set=_SET_IDS[profile.standard].get(doc["doc_type"]))
        policy = profile.acknowledgments
        if policy.expect != "none":
            values["ack_status"] = "pending"
            values["ack_due_at"] = now + policy.expect_within if policy.expect_within else None
        if doc["doc_type"] == "purchase_order" and rule.respond_within is not None:
            values["response_status"] = "pending"
            values["response_due_at"] = now + rule.respond_within
        with self.store.transaction() as conn:
            status = self.store.transition(conn, doc, "render", worker=worker, values=values,
                                           data={"control_numbers": {
                                               "interchange": values["interchange_cn"],
                                               "group": values["group_cn"],
                                               "transaction": values["transaction_cn"]},
                                               "size": ref.size}, refs=[ref.sha256])
        return StepResult(doc["id"], "render", status,
                          f"{profile.standard} {rule.version} interchange "
                          f"{values['interchange_cn']}")

    def send(self, doc: dict[str, Any], worker: str) -> StepResult:
        profile = self._profile(doc)
        data = self.archive.read(doc["raw_sha256"])
        name = outbound_name(doc, profile)
        mailbox = self.mailbox_for(profile)
        result = mailbox.send(name, data, {"document": str(doc["id"]),
                                           "type": doc["doc_type"]})
        receipt = "none"
        if result.receipt is not None:
            receipt = self._receipt_status(result.receipt, result.mic)
        elif result.receipt_expected:
            receipt = "pending"
        values = dict(transport_id=result.transport_id[:500], mic=result.mic,
                      receipt_status=receipt)
        if receipt == "pending":
            wait = getattr(getattr(profile.transport.settings, "mdn", None), "wait", None)
            values["receipt_due_at"] = self.store.clock() + (wait or _dt.timedelta(hours=1))
        if receipt == "rejected" and result.receipt is not None:
            values["detail"] = f"negative MDN: {result.receipt.disposition}"
        with self.store.transaction() as conn:
            status = self.store.transition(conn, doc, "send", worker=worker, values=values,
                                           data={"transport_id": result.transport_id,
                                                 "name": name, "size": result.size,
                                                 "receipt": receipt})
        if doc["doc_type"] not in ACK_TYPES:
            try:
                self.connector.sent(SentNotice(
                    key=doc["key"], partner=doc["partner"], when=self.store.clock(),
                    standard=profile.standard, version=doc.get("version") or "",
                    control_numbers={k: v for k, v in (
                        ("interchange", doc.get("interchange_cn")),
                        ("group", doc.get("group_cn")),
                        ("transaction", doc.get("transaction_cn"))) if v},
                    transport_id=result.transport_id))
            except (TransientError, PermanentError, OSError) as exc:
                log.warning("connector could not record the sending of document %s: %s",
                            doc["id"], exc)
            if result.receipt is not None:
                self._notify_ack(doc, "mdn", receipt, result.receipt.disposition)
        return StepResult(doc["id"], "send", status, f"sent as {result.transport_id}")

    # ================================================================== overdue

    def mark_overdue(self) -> int:
        """Acknowledgments and responses past their due time become ``overdue``."""
        now = self.store.clock()
        d = t.documents.c
        n = 0
        with self.store.transaction() as conn:
            for column, due in (("receipt_status", d.receipt_due_at),
                                ("ack_status", d.ack_due_at),
                                ("response_status", d.response_due_at)):
                rows = conn.execute(sa.select(d.id, d.partner, d.key, d.doc_type).where(
                    d.flow == "outbound", d[column] == "pending", due.is_not(None), due < now)
                ).fetchall()
                for row in rows:
                    self.store.update(conn, row.id, **{column: "overdue"})
                    self.store.append_event(conn, "overdue", f"document/{row.id}", {
                        "partner": row.partner, "what": column}, document_id=row.id)
                    n += 1
        return n


def _plain_number(value: str) -> str:
    """Control numbers as we store them: digits without leading zeros (ISA13 000000042 -> 42)."""
    text = value.strip()
    return (text.lstrip("0") or "0") if text.isdigit() else text


_SET_IDS = {"x12": {"purchase_order": "850", "order_response": "855", "ship_notice": "856"},
            "edifact": {"purchase_order": "ORDERS", "order_response": "ORDRSP",
                        "ship_notice": "DESADV"}}


def outbound_name(doc: Mapping[str, Any], profile: Profile) -> str:
    kind = doc.get("transaction_set") or doc["doc_type"]
    number = doc.get("interchange_cn") or str(doc["id"])
    return f"{profile.name}-{kind}-{number}-{doc['id']}.{EXTENSIONS.get(profile.standard, 'edi')}"


def render_for_profile(profile: Profile, document: canonical.Document, version: str,
                       association: Optional[str], counter: Any) -> bytes:
    """Canonical document -> interchange bytes in the partner's envelope and separators."""
    env = profile.envelope
    ours, partner = profile.identities.ours, profile.identities.partner
    adapter = pipeline.ADAPTERS[profile.standard]()
    newline = env.newline != "none"
    try:
        if profile.standard == "x12":
            seps = (env.element_separator + env.component_separator
                    + (env.repetition_separator or next(
                        c for c in "^|!{" if c not in (env.element_separator
                                                       + env.component_separator
                                                       + env.segment_terminator)))
                    + env.segment_terminator)
            data = adapter.render([document], version=version, sender=ours.isa_id,
                                  receiver=partner.isa_id, sender_qualifier=ours.isa_qualifier,
                                  receiver_qualifier=partner.isa_qualifier,
                                  test=env.usage == "test", counter=counter, separators=seps,
                                  newline=newline)
        else:
            seps = (env.component_separator + env.element_separator + env.decimal_mark
                    + (env.release_character or "?") + (env.repetition_separator or " ")
                    + env.segment_terminator)
            data = adapter.render([document], version=version, sender=ours.id,
                                  receiver=partner.id, sender_qualifier=ours.qualifier,
                                  receiver_qualifier=partner.qualifier,
                                  association=association, syntax=env.syntax_version or "3",
                                  charset=env.syntax or "UNOC", test=env.usage == "test",
                                  counter=counter, separators=seps, newline=newline)
    except EDIError as exc:
        raise PermanentError(f"cannot render for {profile.name}: {exc}") from None
    except canonical.CanonicalError as exc:
        raise PermanentError(f"cannot render for {profile.name}: {exc}") from None
    if env.newline == "crlf":
        data = data.replace(b"\n", b"\r\n")
    return data
