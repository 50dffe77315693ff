"""The gateway's durable state: SQLite (WAL, the embedded default) or PostgreSQL 15.

Everything that changes a document happens in ``Store.transaction()``: the status
change (a conditional UPDATE checked against gateway.states), the rows it creates
and its hash-chained audit event commit together or not at all.

Concurrency:

* PostgreSQL: workers claim runnable documents with ``SELECT ... FOR UPDATE SKIP
  LOCKED`` and mark them with a lease (``claimed_by``, ``claim_until``); the audit
  head row is locked ``FOR UPDATE`` by every transaction that appends an event, which
  keeps the chain a chain across processes and machines.
* SQLite: transactions start with ``BEGIN IMMEDIATE`` (one writer at a time, readers
  never blocked under WAL), which gives the same guarantees on one machine.

A killed worker's leases run out (``lease``); ``release_dead_claims`` frees at once the
leases of processes on this host that no longer exist.  A transition made after one's
lease was taken over fails with ``LostClaim``, so two workers never both commit a step.
"""
from __future__ import annotations

import datetime as _dt
import json
import os
import random
import socket
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator, Mapping, Optional, Sequence

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from gateway import audit, states
from gateway.errors import GatewayError
from gateway.store import schema as t

UTC = _dt.timezone.utc
MIGRATIONS = Path(__file__).resolve().parent / "migrations"


def utcnow() -> _dt.datetime:
    return _dt.datetime.now(UTC)


class StoreError(GatewayError):
    pass


class LostClaim(StoreError):
    """The document changed under us (our lease ran out and another worker took it)."""


@dataclass(frozen=True)
class Backoff:
    """Exponential backoff with full jitter: attempt n waits a random time in
    [base * 2^(n-1) / 2, base * 2^(n-1)], capped at ``cap``; after ``max_attempts`` the
    document goes to the dead-letter status."""

    base: float = 30.0
    cap: float = 3600.0
    max_attempts: int = 12

    def delay(self, attempt: int, rng: Callable[[], float] = random.random) -> float:
        full = min(self.cap, self.base * (2 ** max(0, attempt - 1)))
        return full / 2 + rng() * full / 2


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{random.getrandbits(32):08x}"


def _json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True, default=str)


def _loads(text: Optional[str]) -> Any:
    return json.loads(text) if text else {}


def make_engine(url: str) -> Engine:
    """An engine for ``url``: SQLite files get WAL, a busy timeout, foreign keys and
    BEGIN IMMEDIATE transactions; ``sqlite://`` is an in-memory store shared by the
    process (the unit tests' store)."""
    if url.startswith("sqlite"):
        memory = url in ("sqlite://", "sqlite:///:memory:")
        kwargs: dict[str, Any] = {}
        if memory:
            kwargs["poolclass"] = sa.pool.StaticPool
        engine = sa.create_engine(url, connect_args={"check_same_thread": False, "timeout": 60},
                                  **kwargs)

        @sa.event.listens_for(engine, "connect")
        def _on_connect(dbapi_conn: Any, _record: Any) -> None:
            dbapi_conn.isolation_level = None  # we issue BEGIN ourselves
            cur = dbapi_conn.cursor()
            if not memory:
                cur.execute("PRAGMA journal_mode=WAL")
                cur.execute("PRAGMA synchronous=FULL")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA busy_timeout=60000")
            cur.close()

        @sa.event.listens_for(engine, "begin")
        def _on_begin(conn: Connection) -> None:
            conn.exec_driver_sql("BEGIN IMMEDIATE")

        return engine
    return sa.create_engine(url, pool_pre_ping=True, pool_size=5, max_overflow=5)


def migrate(engine: Engine, revision: str = "head") -> None:
    """Bring the schema to ``revision`` with Alembic (idempotent)."""
    from alembic import command
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    with engine.begin() as conn:
        if conn.dialect.name == "postgresql":  # one migrator at a time across the cluster
            conn.exec_driver_sql("SELECT pg_advisory_xact_lock(726354)")
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, revision)


def current_revision(engine: Engine) -> Optional[str]:
    from alembic.migration import MigrationContext

    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


class Store:
    def __init__(self, engine: Engine, *, clock: Callable[[], _dt.datetime] = utcnow,
                 audit_key: Optional[bytes] = None, backoff: Backoff = Backoff(),
                 lease: float = 300.0, rng: Callable[[], float] = random.random) -> None:
        self.engine = engine
        self.clock = clock
        self.audit_key = audit_key
        self.backoff = backoff
        self.lease = _dt.timedelta(seconds=lease)
        self.rng = rng
        self.postgres = engine.dialect.name == "postgresql"

    @classmethod
    def open(cls, url: str, *, upgrade: bool = True, **kwargs: Any) -> "Store":
        engine = make_engine(url)
        if upgrade:
            migrate(engine)
        elif current_revision(engine) != t.HEAD:
            raise StoreError(f"the store at {sa.engine.make_url(url).render_as_string()} is at "
                             f"schema {current_revision(engine)!r}, this gateway needs "
                             f"{t.HEAD!r}: run `edi-gateway db upgrade`")
        return cls(engine, **kwargs)

    @classmethod
    def memory(cls, **kwargs: Any) -> "Store":
        """An in-memory store with the same interface (unit tests)."""
        return cls.open("sqlite://", **kwargs)

    def close(self) -> None:
        self.engine.dispose()

    # ------------------------------------------------------------------ transactions

    @contextmanager
    def transaction(self) -> Iterator[Connection]:
        with self.engine.begin() as conn:
            yield conn

    def _lock(self, stmt: Any) -> Any:
        return stmt.with_for_update() if self.postgres else stmt

    # ------------------------------------------------------------------ audit

    _HEAD_Q = sa.select(t.audit_head.c.seq, t.audit_head.c.hash).where(t.audit_head.c.id == 1)
    _EVENT_INSERT = t.events.insert()
    _HEAD_UPDATE = t.audit_head.update().where(t.audit_head.c.id == 1)

    def append_event(self, conn: Connection, kind: str, subject: str,
                     data: Mapping[str, Any], *, refs: Iterable[str] = (),
                     document_id: Optional[int] = None) -> audit.AuditEvent:
        q = self._HEAD_Q.with_for_update() if self.postgres else self._HEAD_Q
        head = conn.execute(q).first()
        prev: Optional[audit.AuditEvent] = None
        if head is not None and head.seq > 0:
            # the chain needs only the previous event's seq and hash: the head holds both
            prev = audit.AuditEvent(int(head.seq), "", "", "", {}, (), "", head.hash)
        ev = audit.next_event(prev, kind=kind, subject=subject, data=data, refs=refs,
                              at=self.clock())
        conn.execute(self._EVENT_INSERT, {
            "seq": ev.seq, "at": ev.at, "kind": ev.kind, "subject": ev.subject,
            "document_id": document_id, "data": audit.canonical_json(ev.data),
            "refs": json.dumps(list(ev.refs)), "prev_hash": ev.prev_hash, "hash": ev.hash})
        signature = (audit.checkpoint_signature(ev.seq, ev.hash, self.audit_key)
                     if self.audit_key else None)
        if head is None:
            conn.execute(t.audit_head.insert(), {"id": 1, "seq": ev.seq, "hash": ev.hash,
                                                 "signature": signature})
        else:
            conn.execute(self._HEAD_UPDATE, {"seq": ev.seq, "hash": ev.hash,
                                             "signature": signature})
        return ev

    def iter_events(self, *, document_id: Optional[int] = None, batch: int = 2000
                    ) -> Iterator[audit.AuditEvent]:
        last = 0
        while True:
            q = sa.select(t.events).where(t.events.c.seq > last).order_by(t.events.c.seq
                                                                          ).limit(batch)
            if document_id is not None:
                q = q.where(t.events.c.document_id == document_id)
            with self.engine.connect() as conn:
                rows = conn.execute(q).fetchall()
            if not rows:
                return
            for row in rows:
                yield _event(row)
            last = rows[-1].seq

    def audit_head(self) -> Optional[tuple[int, str, Optional[str]]]:
        with self.engine.connect() as conn:
            row = conn.execute(sa.select(t.audit_head).where(t.audit_head.c.id == 1)).first()
        return (row.seq, row.hash, row.signature) if row is not None else None

    # ------------------------------------------------------------------ inbound files

    def accept_file(self, *, partner: str, channel: str, name: str, sha256: str, size: int,
                    meta: Mapping[str, Any], standard: Optional[str] = None
                    ) -> tuple[int, bool]:
        """Record a received file (already archived) and its inbound document.
        Returns (document id, duplicate): an offer seen before returns the first one."""
        now = self.clock()
        offer = {"b_partner": partner, "b_channel": channel, "b_name": name, "b_sha": sha256}

        def existing(conn: Connection) -> Optional[int]:
            row = conn.execute(_OFFER_Q, offer).first()
            return row.id if row is not None else None

        try:
            with self.transaction() as conn:
                found = existing(conn)
                if found is not None:
                    return found, True
                file_id = conn.execute(_FILE_INSERT, {
                    "partner": partner, "channel": channel, "name": name, "sha256": sha256,
                    "size": size, "received_at": now, "external_id": meta.get("message_id"),
                    "meta": _json(dict(meta))}).inserted_primary_key[0]
                doc_id = conn.execute(_DOCUMENT_INSERT, {
                    "flow": "inbound", "status": "received", "key": f"file/{file_id}",
                    "partner": partner, "doc_type": "file", "standard": standard,
                    "file_id": file_id, "raw_sha256": sha256, "next_attempt_at": now,
                    "created_at": now, "updated_at": now,
                    "meta": _json({"name": name, "channel": channel, **dict(meta)})}
                ).inserted_primary_key[0]
                self.append_event(conn, "received", f"document/{doc_id}", {
                    "partner": partner, "channel": channel, "name": name, "size": size,
                    "sha256": sha256, "meta": dict(meta)}, refs=[sha256], document_id=doc_id)
                conn.execute(_RECEIVED_COUNT, {"b_partner": partner})
                return doc_id, False
        except sa.exc.IntegrityError:
            with self.engine.connect() as conn:
                found = existing(conn)
            if found is None:
                raise
            return found, True

    # ------------------------------------------------------------------ documents

    def insert_document(self, conn: Connection, **values: Any) -> int:
        now = self.clock()
        values.setdefault("next_attempt_at", now)
        values.setdefault("created_at", now)
        values.setdefault("updated_at", now)
        if "meta" in values and not isinstance(values["meta"], str):
            values["meta"] = _json(values["meta"])
        return int(conn.execute(_DOCUMENT_INSERT, values).inserted_primary_key[0])

    def find_key(self, conn: Connection, key: str) -> Optional[int]:
        row = conn.execute(_KEY_Q, {"b_key": key}).first()
        return row.id if row is not None else None

    def get(self, doc_id: int, conn: Optional[Connection] = None) -> Optional[dict[str, Any]]:
        q = sa.select(t.documents).where(t.documents.c.id == doc_id)
        if conn is not None:
            row = conn.execute(q).first()
        else:
            with self.engine.connect() as c:
                row = c.execute(q).first()
        return _doc(row) if row is not None else None

    def transition(self, conn: Connection, doc: Mapping[str, Any], event: str, *,
                   worker: Optional[str] = None, values: Optional[Mapping[str, Any]] = None,
                   data: Optional[Mapping[str, Any]] = None, refs: Iterable[str] = (),
                   to: Optional[str] = None) -> str:
        """Apply ``event`` to ``doc`` (as read: its flow and status), or raise LostClaim."""
        flow, status = doc["flow"], doc["status"]
        new = to or states.target(flow, status, event)
        if to is not None:
            states.target(flow, status, event)  # the event must exist from this status
        now = self.clock()
        upd = dict(values or {})
        upd.update(status=new, updated_at=now)
        if "meta" in upd and not isinstance(upd["meta"], str):
            upd["meta"] = _json(upd["meta"])
        upd.setdefault("claimed_by", None)  # the step is done: the next one is claimed afresh
        upd.setdefault("claim_until", None)
        params = {"b_id": doc["id"], "b_from": status, **upd}
        if worker is not None:
            params["b_worker"] = worker
        res = conn.execute(_TRANSITION_BY[worker is not None], params)
        if res.rowcount != 1:
            raise LostClaim(f"document {doc['id']} is no longer {status!r}"
                            + (f" claimed by {worker}" if worker else ""))
        payload = {"from": status, "to": new, "partner": doc.get("partner")}
        if worker is not None:
            payload["worker"] = worker
        payload.update(data or {})
        self.append_event(conn, event, f"document/{doc['id']}", payload, refs=refs,
                          document_id=doc["id"])
        return new

    def update(self, conn: Connection, doc_id: int, **values: Any) -> None:
        values["updated_at"] = self.clock()
        if "meta" in values and not isinstance(values["meta"], str):
            values["meta"] = _json(values["meta"])
        conn.execute(_UPDATE_BY_ID, {"b_id": doc_id, **values})

    # ------------------------------------------------------------------ claims

    def claim(self, worker: str, *, limit: int = 8, flows: Optional[Sequence[str]] = None,
              partner: Optional[str] = None) -> list[dict[str, Any]]:
        """Claim up to ``limit`` runnable documents (oldest due first)."""
        now = self.clock()
        pairs = [(f, s) for (f, s) in states.RUNNABLE if flows is None or f in flows]
        if not pairs:
            return []
        d = t.documents.c
        runnable = sa.or_(*[sa.and_(d.flow == f, d.status == s) for f, s in pairs])
        q = (sa.select(t.documents).where(
            runnable, d.next_attempt_at <= now,
            sa.or_(d.claim_until.is_(None), d.claim_until < now))
            .order_by(d.next_attempt_at, d.id).limit(limit))
        if partner is not None:
            q = q.where(d.partner == partner)
        if self.postgres:
            q = q.with_for_update(skip_locked=True)
        with self.transaction() as conn:
            rows = conn.execute(q).fetchall()
            if not rows:
                return []
            until = now + self.lease
            conn.execute(t.documents.update().where(d.id.in_([r.id for r in rows])).values(
                claimed_by=worker, claim_until=until))
        out = []
        for row in rows:
            doc = _doc(row)
            doc["claimed_by"], doc["claim_until"] = worker, until
            out.append(doc)
        return out

    def extend_claim(self, doc_id: int, worker: str) -> bool:
        with self.transaction() as conn:
            res = conn.execute(t.documents.update().where(
                t.documents.c.id == doc_id, t.documents.c.claimed_by == worker).values(
                claim_until=self.clock() + self.lease))
        return res.rowcount == 1

    def release(self, doc_id: int, worker: str) -> None:
        with self.transaction() as conn:
            conn.execute(t.documents.update().where(
                t.documents.c.id == doc_id, t.documents.c.claimed_by == worker).values(
                claimed_by=None, claim_until=None))

    def release_dead_claims(self) -> int:
        """Free the leases of processes on this host that are gone (a restart after kill -9)."""
        host = socket.gethostname()
        with self.engine.connect() as conn:
            owners = {r.claimed_by for r in conn.execute(
                sa.select(t.documents.c.claimed_by).where(
                    t.documents.c.claimed_by.is_not(None)).distinct())}
            owners |= {r.lease_owner for r in conn.execute(
                sa.select(t.partner_state.c.lease_owner).where(
                    t.partner_state.c.lease_owner.is_not(None)).distinct())}
        gone = []
        for owner in owners:
            parts = owner.split(":")
            if len(parts) != 3 or parts[0] != host or not parts[1].isdigit():
                continue
            try:
                os.kill(int(parts[1]), 0)
            except ProcessLookupError:
                gone.append(owner)
            except PermissionError:
                continue
        if not gone:
            return 0
        gone.sort()
        with self.transaction() as conn:
            res = conn.execute(t.documents.update().where(
                t.documents.c.claimed_by.in_(gone)).values(claimed_by=None, claim_until=None))
            conn.execute(t.partner_state.update().where(
                t.partner_state.c.lease_owner.in_(gone)).values(lease_owner=None,
                                                                lease_until=None))
        return int(res.rowcount or 0)

    def fail(self, doc: Mapping[str, Any], worker: str, error: str, *, permanent: bool = False
             ) -> str:
        """A step failed: schedule a retry (backoff + jitter) or dead-letter the document.
        Returns the resulting status."""
        attempts = int(doc.get("attempts") or 0) + 1
        with self.transaction() as conn:
            if permanent or attempts >= self.backoff.max_attempts:
                reason = error if permanent else (
                    f"gave up after {attempts} attempts; last error: {error}")
                return self.transition(conn, doc, "dead", worker=worker, values=dict(
                    attempts=attempts, last_error=error, detail=reason,
                    dead_from=doc["status"]), data={"error": error, "attempts": attempts,
                                                    "permanent": permanent})
            delay = self.backoff.delay(attempts, self.rng)
            due = self.clock() + _dt.timedelta(seconds=delay)
            res = conn.execute(t.documents.update().where(
                t.documents.c.id == doc["id"], t.documents.c.claimed_by == worker,
                t.documents.c.status == doc["status"]).values(
                attempts=attempts, last_error=error, next_attempt_at=due, claimed_by=None,
                claim_until=None, updated_at=self.clock()))
            if res.rowcount != 1:
                raise LostClaim(f"document {doc['id']} changed while failing")
            self.append_event(conn, "retry_scheduled", f"document/{doc['id']}", {
                "status": doc["status"], "error": error, "attempts": attempts,
                "next_attempt_at": due, "partner": doc.get("partner")},
                document_id=doc["id"])
            return doc["status"]

    # ------------------------------------------------------------------ control numbers

    def next_control_number(self, partner: str, kind: str, *, maximum: int = 999_999_999) -> int:
        """Allocate the next number for (partner, kind) in its own transaction: atomic across
        processes, never reused (a crash after allocating leaves a gap, never a repeat)."""
        return self.next_control_numbers(partner, {kind: maximum})[kind]

    def next_control_numbers(self, partner: str, kinds: Mapping[str, int]) -> dict[str, int]:
        """Several kinds at once (ISA13 + GS06 + ST02 for one interchange), one transaction."""
        c = t.control_numbers.c
        out: dict[str, int] = {}
        for _ in range(5):
            try:
                with self.transaction() as conn:
                    for kind, maximum in kinds.items():
                        row = conn.execute(_NEXT_NUMBER, {"b_partner": partner, "b_kind": kind,
                                                          "b_max": maximum}).first()
                        if row is None:
                            conn.execute(t.control_numbers.insert().values(
                                partner=partner, kind=kind, value=1))
                            out[kind] = 1
                        else:
                            out[kind] = int(row.value)
                return out
            except sa.exc.IntegrityError:  # another worker created the row first
                out.clear()
                continue
        raise StoreError(f"cannot allocate {', '.join(kinds)} control numbers for {partner}")

    def set_control_number(self, partner: str, kind: str, value: int) -> None:
        """Make the next allocation return ``value + 1`` (onboarding: continue a partner's
        sequence from the previous gateway)."""
        c = t.control_numbers.c
        with self.transaction() as conn:
            res = conn.execute(t.control_numbers.update().where(
                c.partner == partner, c.kind == kind).values(value=value))
            if res.rowcount == 0:
                conn.execute(t.control_numbers.insert().values(partner=partner, kind=kind,
                                                               value=value))

    def control_numbers(self) -> list[dict[str, Any]]:
        with self.engine.connect() as conn:
            return [dict(r._mapping) for r in conn.execute(
                sa.select(t.control_numbers).order_by(t.control_numbers.c.partner,
                                                      t.control_numbers.c.kind))]

    # ------------------------------------------------------------------ duplicate interchanges

    def interchange_seen(self, standard: str, qualifier: str, sender: str, control: str, *,
                         since: _dt.datetime, exclude_document: Optional[int] = None
                         ) -> Optional[int]:
        c = t.seen_interchanges.c
        q = sa.select(c.document_id).where(
            c.standard == standard, c.sender_qualifier == qualifier, c.sender_id == sender,
            c.control_number == control, c.seen_at >= since)
        if exclude_document is not None:
            q = q.where(c.document_id != exclude_document)
        with self.engine.connect() as conn:
            row = conn.execute(q).first()
        return row.document_id if row is not None else None

    def record_seen(self, conn: Connection, standard: str, qualifier: str, sender: str,
                    control: str, document_id: int, *, since: _dt.datetime) -> Optional[int]:
        """Record an interchange as seen by ``document_id``; if another document recorded it
        within the window meanwhile (a concurrent worker), record nothing and return that
        document's id (the caller rolls back and processes again)."""
        c = t.seen_interchanges.c
        where = sa.and_(c.standard == standard, c.sender_qualifier == qualifier,
                        c.sender_id == sender, c.control_number == control)
        row = conn.execute(self._lock(sa.select(c.document_id, c.seen_at).where(where))).first()
        if row is not None and row.document_id != document_id and row.seen_at >= since:
            return int(row.document_id)
        if row is not None:
            conn.execute(t.seen_interchanges.update().where(where).values(
                seen_at=self.clock(), document_id=document_id))
        else:
            conn.execute(t.seen_interchanges.insert().values(
                standard=standard, sender_qualifier=qualifier, sender_id=sender,
                control_number=control, seen_at=self.clock(), document_id=document_id))
        return None

    # ------------------------------------------------------------------ partners

    def lease_poll(self, partner: str, owner: str, seconds: float, *, force: bool = False
                   ) -> bool:
        """Take the right to poll ``partner`` now (one poller per partner in a cluster);
        ``force``: even if its next poll is not due yet (``poll --once``)."""
        now = self.clock()
        c = t.partner_state.c
        with self.transaction() as conn:
            if conn.execute(sa.select(c.partner).where(c.partner == partner)).first() is None:
                try:
                    with conn.begin_nested():
                        conn.execute(t.partner_state.insert().values(partner=partner))
                except sa.exc.IntegrityError:
                    pass
            res = conn.execute(t.partner_state.update().where(
                c.partner == partner,
                sa.or_(c.lease_until.is_(None), c.lease_until < now, c.lease_owner == owner),
                sa.or_(c.next_poll_at.is_(None), c.next_poll_at <= now, sa.true() if force
                       else sa.false())).values(
                lease_owner=owner, lease_until=now + _dt.timedelta(seconds=seconds)))
            return res.rowcount == 1

    def polled(self, partner: str, owner: str, *, next_poll_at: _dt.datetime,
               error: Optional[str] = None) -> None:
        now = self.clock()
        c = t.partner_state.c
        values: dict[str, Any] = dict(last_poll_at=now, next_poll_at=next_poll_at,
                                      lease_owner=None, lease_until=None)
        if error is None:
            values["last_success_at"] = now
        else:
            values.update(last_error=error, last_error_at=now)
        with self.transaction() as conn:
            conn.execute(t.partner_state.update().where(
                c.partner == partner, sa.or_(c.lease_owner == owner,
                                             c.lease_owner.is_(None))).values(**values))

    def partner_states(self) -> dict[str, dict[str, Any]]:
        with self.engine.connect() as conn:
            return {r.partner: dict(r._mapping) for r in conn.execute(sa.select(t.partner_state))}

    # ------------------------------------------------------------------ settings

    def setting(self, name: str, conn: Optional[Connection] = None) -> Optional[str]:
        q = sa.select(t.settings.c.value).where(t.settings.c.name == name)
        if conn is not None:
            row = conn.execute(q).first()
        else:
            with self.engine.connect() as c:
                row = c.execute(q).first()
        return row.value if row is not None else None

    def set_setting(self, conn: Connection, name: str, value: str) -> None:
        res = conn.execute(t.settings.update().where(t.settings.c.name == name).values(
            value=value))
        if res.rowcount == 0:
            conn.execute(t.settings.insert().values(name=name, value=value))

    # ------------------------------------------------------------------ queries

    def documents(self, *, partner: Optional[str] = None, flow: Optional[str] = None,
                  doc_type: Optional[str] = None, status: Optional[Sequence[str]] = None,
                  since: Optional[_dt.datetime] = None, parent_id: Optional[int] = None,
                  ids: Optional[Sequence[int]] = None, limit: Optional[int] = None,
                  newest_first: bool = False, where: Any = None) -> list[dict[str, Any]]:
        d = t.documents.c
        q = sa.select(t.documents)
        if partner is not None:
            q = q.where(d.partner == partner)
        if flow is not None:
            q = q.where(d.flow == flow)
        if doc_type is not None:
            q = q.where(sa.or_(d.doc_type == doc_type, d.transaction_set == doc_type))
        if status:
            q = q.where(d.status.in_(list(status)))
        if since is not None:
            q = q.where(d.created_at >= since)
        if parent_id is not None:
            q = q.where(d.parent_id == parent_id)
        if ids is not None:
            q = q.where(d.id.in_(list(ids)))
        if where is not None:
            q = q.where(where)
        q = q.order_by(d.id.desc() if newest_first else d.id)
        if limit is not None:
            q = q.limit(limit)
        with self.engine.connect() as conn:
            return [_doc(r) for r in conn.execute(q)]

    def count_by(self, *columns: str) -> list[tuple[Any, ...]]:
        cols = [t.documents.c[c] for c in columns]
        with self.engine.connect() as conn:
            return [tuple(r) for r in conn.execute(
                sa.select(*cols, sa.func.count()).group_by(*cols).order_by(*cols))]

    def external_id_seen(self, partner: str, external_id: str) -> bool:
        with self.engine.connect() as conn:
            return conn.execute(sa.select(t.files.c.id).where(
                t.files.c.partner == partner, t.files.c.external_id == external_id)
            ).first() is not None

    def file(self, file_id: int) -> Optional[dict[str, Any]]:
        with self.engine.connect() as conn:
            row = conn.execute(sa.select(t.files).where(t.files.c.id == file_id)).first()
        if row is None:
            return None
        out = dict(row._mapping)
        out["meta"] = _loads(out["meta"])
        return out


_d = t.documents.c
# statements built once: the SET clause takes the keys of each call's parameters
_TRANSITION_BY = {
    False: t.documents.update().where(_d.id == sa.bindparam("b_id"),
                                      _d.status == sa.bindparam("b_from")),
    True: t.documents.update().where(_d.id == sa.bindparam("b_id"),
                                     _d.status == sa.bindparam("b_from"),
                                     _d.claimed_by == sa.bindparam("b_worker")),
}
_UPDATE_BY_ID = t.documents.update().where(_d.id == sa.bindparam("b_id"))
_f = t.files.c
_OFFER_Q = (sa.select(_d.id).select_from(t.files.join(t.documents, _d.file_id == _f.id))
            .where(_f.partner == sa.bindparam("b_partner"), _f.channel == sa.bindparam("b_channel"),
                   _f.name == sa.bindparam("b_name"), _f.sha256 == sa.bindparam("b_sha"),
                   _d.flow == "inbound"))
_FILE_INSERT = t.files.insert()
_RECEIVED_COUNT = t.partner_state.update().where(
    t.partner_state.c.partner == sa.bindparam("b_partner")).values(
    received=t.partner_state.c.received + 1)
_KEY_Q = sa.select(_d.id).where(_d.key == sa.bindparam("b_key"))
_cn = t.control_numbers.c
_NEXT_NUMBER = (t.control_numbers.update()
                .where(_cn.partner == sa.bindparam("b_partner"), _cn.kind == sa.bindparam("b_kind"))
                .values(value=sa.case((_cn.value >= sa.bindparam("b_max"), 1),
                                      else_=_cn.value + 1))
                .returning(_cn.value))
_DOCUMENT_INSERT = t.documents.insert()


def _event(row: Any) -> audit.AuditEvent:
    return audit.AuditEvent(seq=int(row.seq), at=row.at, kind=row.kind, subject=row.subject,
                            data=json.loads(row.data), refs=tuple(json.loads(row.refs)),
                            prev_hash=row.prev_hash, hash=row.hash)


def _doc(row: Any) -> dict[str, Any]:
    out = dict(row._mapping)
    out["meta"] = _loads(out.get("meta"))
    out["erp_result"] = _loads(out.get("erp_result")) if out.get("erp_result") else None
    return out
