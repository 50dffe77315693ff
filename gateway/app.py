"""One gateway process: the store, archive, profiles, ERP connector and mailboxes wired
to the engine, and the loop ``edi-gateway run`` runs.

The loop, until SIGTERM/SIGINT (the document in hand is finished first):

1. refresh the partner profiles (a cheap stat; edits take effect without a restart);
2. poll the partners that are due (real-time: every ``poll_interval``; batch: at the
   schedule's ``times``), one poller per partner across the cluster (a lease in the store);
3. ask the ERP connector for new outbound documents every ``extract_every``;
4. claim runnable documents (``SKIP LOCKED`` on PostgreSQL) and run their steps until
   none is left; mark overdue acknowledgments; apply the archive retention once a day;
5. sleep until the next partner is due (at most ``idle``).

Several processes on one or several machines can share one PostgreSQL store.
"""
from __future__ import annotations

import datetime as _dt
import logging
import threading
import zoneinfo
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable, Mapping, Optional

import sqlalchemy as sa

from gateway import audit
from gateway.archive import Archive
from gateway.config import Config, audit_key
from gateway.engine import Engine, EngineSettings, ProfilesView, StepResult
from gateway.errors import GatewayError, PermanentError, TransientError
from gateway.profiles.identity import Rejected, resolve_as2
from gateway.profiles.model import Profile
from gateway.profiles.registry import ProfileRegistry
from gateway.store import Backoff, Store, worker_name
from gateway.store import schema as t
from gateway.store.store import utcnow

log = logging.getLogger("edi_gateway")

POLLED_TRANSPORTS = ("folder", "sftp")
ERP_LEASE = "__erp_extract__"
RETENTION_LEASE = "__retention__"


def build_connector(cfg: Config, profiles: Callable[[str], Optional[Profile]],
                    env: Mapping[str, str]) -> Any:
    kind = str(cfg.connector.get("type", "files"))
    settings = {k: v for k, v in cfg.connector.items() if k != "type"}
    if kind == "files":
        from gateway.connectors.files import FilesConnector
        return FilesConnector.from_config(settings, profiles=profiles, base_dir=cfg.home,
                                          env=env)
    if kind == "odoo":
        from gateway.odoo.connector import OdooConnector
        return OdooConnector.from_config(settings, profiles=profiles, base_dir=cfg.home, env=env)
    raise GatewayError(f"{cfg.source or 'gateway defaults'}: connector.type {kind!r} is not "
                       "known: use files or odoo")


def next_poll(profile: Profile, now: _dt.datetime) -> _dt.datetime:
    sched = profile.schedule
    if sched.tier != "batch" or not sched.times:
        return now + sched.poll_interval
    tz = zoneinfo.ZoneInfo(sched.timezone)
    local = now.astimezone(tz)
    best: Optional[_dt.datetime] = None
    for day in (0, 1):
        for hhmm in sched.times:
            h, m = (int(x) for x in hhmm.split(":")[:2])
            cand = (local + _dt.timedelta(days=day)).replace(hour=h, minute=m, second=0,
                                                             microsecond=0)
            if cand > local and (best is None or cand < best):
                best = cand
    return (best or local + _dt.timedelta(days=1)).astimezone(_dt.timezone.utc)


@dataclass
class TickReport:
    polled: dict[str, str] = field(default_factory=dict)  # partner -> summary or error
    received: int = 0
    skipped: int = 0  # files not picked up yet (still being written)
    extracted: int = 0
    steps: list[StepResult] = field(default_factory=list)
    profile_problems: list[str] = field(default_factory=list)

    @property
    def busy(self) -> bool:
        return bool(self.received or self.extracted or self.steps)


class Gateway:
    def __init__(self, cfg: Config, env: Mapping[str, str], *, connector: Any = None,
                 worker: Optional[str] = None, clock: Callable[[], _dt.datetime] = utcnow,
                 mailbox_factory: Optional[Callable[[Profile], Any]] = None) -> None:
        self.cfg = cfg
        self.env = env
        self.worker = worker or worker_name()
        self.clock = clock
        cfg.home.mkdir(parents=True, exist_ok=True)
        self.store = Store.open(cfg.store_url, audit_key=audit_key(cfg, env), clock=clock,
                                backoff=Backoff(cfg.retry_base, cfg.retry_cap, cfg.max_attempts),
                                lease=cfg.lease)
        self.archive = Archive(cfg.archive_dir, export_dirs=[cfg.export_dir])
        self.registry = ProfileRegistry(cfg.profiles_dir, env=env, clock=clock)
        self.registry.refresh()
        self.connector = connector if connector is not None else build_connector(
            cfg, self.registry.get, env)
        self._mailboxes: dict[str, tuple[str, Any]] = {}
        self._mailbox_factory = mailbox_factory
        self._lock = threading.Lock()
        self.engine = Engine(self.store, self.archive,
                             ProfilesView(self.registry.get, self.registry.resolve,
                                          lambda: self.registry.profiles),
                             self.connector, mailbox_for=self.mailbox,
                             settings=EngineSettings(duplicate_window=cfg.duplicate_window,
                                                     claim_batch=cfg.batch))
        self.stopping = threading.Event()
        self._as2: Any = None
        self._skipped = 0

    # ------------------------------------------------------------------ parts

    def mailbox(self, profile: Profile) -> Any:
        with self._lock:
            cached = self._mailboxes.get(profile.name)
            if cached is not None and cached[0] == profile.digest:
                return cached[1]
            if cached is not None:
                try:
                    cached[1].close()
                except Exception:  # noqa: BLE001 - closing a stale channel must not stop us
                    pass
            if self._mailbox_factory is not None:
                mb = self._mailbox_factory(profile)
            else:
                from edi_mailbox import build_mailbox
                mb = build_mailbox(profile, env=self.env, security=self.engine.security_event)
            self._mailboxes[profile.name] = (profile.digest, mb)
            return mb

    def close(self) -> None:
        if self._as2 is not None:
            self._as2.stop()
        for _, mb in self._mailboxes.values():
            try:
                mb.close()
            except Exception:  # noqa: BLE001
                pass
        try:
            self.connector.close()
        finally:
            self.store.close()

    # ------------------------------------------------------------------ polling

    def poll(self, partner: Optional[str] = None, *, force: bool = False) -> dict[str, str]:
        out: dict[str, str] = {}
        now = self.clock()
        self._skipped = 0
        for profile in sorted(self.registry.profiles.values(), key=lambda p: p.name):
            if partner is not None and profile.name != partner:
                continue
            if not profile.enabled or profile.transport.type not in POLLED_TRANSPORTS:
                continue
            if not self.store.lease_poll(profile.name, self.worker, self.cfg.poll_lease,
                                         force=force):
                continue
            error: Optional[str] = None
            try:
                report = self.mailbox(profile).poll(self.engine.accept)
                self._skipped += report.skipped
                out[profile.name] = (f"{report.received} received, {report.skipped} skipped"
                                     + (f", {len(report.errors)} errors: "
                                        + "; ".join(report.errors) if report.errors else ""))
                if report.errors:
                    error = "; ".join(report.errors)[:2000]
            except (GatewayError, OSError) as exc:
                error = f"{type(exc).__name__}: {exc}"
                out[profile.name] = f"error: {error}"
            except Exception as exc:  # noqa: BLE001 - one partner never stops the others
                log.exception("poll of %s failed", profile.name)
                error = f"internal error {type(exc).__name__}: {exc}"
                out[profile.name] = f"error: {error}"
            self.store.polled(profile.name, self.worker, next_poll_at=next_poll(profile, now),
                              error=error)
        return out

    # ------------------------------------------------------------------ ERP extraction

    def extract(self, *, force: bool = False) -> int:
        senders = sorted(p.name for p in self.registry.profiles.values() if p.enabled and any(
            r.direction == "send" for r in p.documents.values()))
        if not senders:
            return 0
        if not force and not self.store.lease_poll(ERP_LEASE, self.worker, self.cfg.poll_lease):
            return 0
        error = None
        new = 0
        try:
            mark = self.store.setting("watermark/erp")
            docs, new_mark = self.connector.extract(senders, mark)
            added = self.engine.add_outbound(
                docs, watermark=("watermark/erp", new_mark) if new_mark is not None else None)
            new = sum(1 for _, fresh in added if fresh)
        except (TransientError, PermanentError, OSError) as exc:
            error = f"{type(exc).__name__}: {exc}"
            log.warning("ERP extraction failed: %s", error)
        self.store.polled(ERP_LEASE, self.worker,
                          next_poll_at=self.clock() + _dt.timedelta(seconds=self.cfg.extract_every),
                          error=error)
        return new

    def send_on_demand(self, kind: str, ref: str) -> list[tuple[int, bool]]:
        docs = self.connector.outbound_for(kind, ref)
        return self.engine.add_outbound(docs)

    # ------------------------------------------------------------------ working

    def work(self, *, limit: Optional[int] = None,
             on_step: Optional[Callable[[StepResult], None]] = None) -> list[StepResult]:
        done: list[StepResult] = []
        while not self.stopping.is_set() and (limit is None or len(done) < limit):
            batch = self.store.claim(self.worker, limit=self.cfg.batch)
            if not batch:
                break
            for i, doc in enumerate(batch):
                if self.stopping.is_set():  # finish the document in hand, release the rest
                    for rest in batch[i:]:
                        self.store.release(rest["id"], self.worker)
                    break
                result = self.engine.run_step(doc, self.worker)
                done.append(result)
                if on_step is not None:
                    on_step(result)
        return done

    def tick(self, *, force_poll: bool = False,
             on_step: Optional[Callable[[StepResult], None]] = None) -> TickReport:
        report = TickReport()
        refresh = self.registry.refresh()
        for path, problems in refresh.refused:
            report.profile_problems.extend(p.describe() if hasattr(p, "describe") else str(p)
                                           for p in problems)
        before = self._received_count()
        report.polled = self.poll(force=force_poll)
        report.skipped = self._skipped
        report.received = self._received_count() - before
        report.extracted = self.extract(force=force_poll)
        report.steps = self.work(on_step=on_step)
        self.engine.mark_overdue()
        self.retain_if_due()
        return report

    def _received_count(self) -> int:
        with self.store.engine.connect() as conn:
            return int(conn.execute(sa.select(sa.func.count()).select_from(t.files)).scalar() or 0)

    def next_due(self) -> float:
        """Seconds until the next partner poll or extraction is due (at most ``idle``)."""
        states = self.store.partner_states()
        now = self.clock()
        wait = self.cfg.idle
        for name, st in states.items():
            due = st.get("next_poll_at")
            if due is not None:
                wait = min(wait, max(0.0, (due - now).total_seconds()))
        return wait

    def run(self, *, until_idle: bool = False,
            on_tick: Optional[Callable[[TickReport], None]] = None,
            on_step: Optional[Callable[[StepResult], None]] = None) -> None:
        self.store.release_dead_claims()
        self.start_as2()
        force = until_idle
        while not self.stopping.is_set():
            report = self.tick(force_poll=force, on_step=on_step)
            if on_tick is not None:
                on_tick(report)
            # --until-idle: files still being written when polled are picked up once settled
            force = until_idle and report.skipped > 0
            if until_idle and not report.busy and not force and not self._runnable_soon():
                return
            self.stopping.wait(2.5 if force else (self.next_due() if not report.steps else 0))

    def _runnable_soon(self) -> bool:
        d = t.documents.c
        with self.store.engine.connect() as conn:
            n = conn.execute(sa.select(sa.func.count()).select_from(t.documents).where(
                sa.or_(sa.and_(d.flow == "inbound", d.status == "received"),
                       sa.and_(d.flow == "transaction", d.status == "pending"),
                       sa.and_(d.flow == "outbound", d.status.in_(["extracted", "rendered"]))),
                d.attempts == 0)).scalar()
        return bool(n)

    # ------------------------------------------------------------------ AS2

    def start_as2(self) -> None:
        if self.cfg.as2 is None or self._as2 is not None:
            return
        if not any(p.transport.type == "as2" for p in self.registry.profiles.values()):
            return
        from edi_mailbox.as2.server import As2Server

        def lookup(as2_from: str, as2_to: str) -> Optional[Profile]:
            found = resolve_as2(self.registry.profiles.values(), as2_from, as2_to)
            return None if isinstance(found, Rejected) else found.profile

        a = self.cfg.as2
        auth = None
        if a.http_user:
            from edi_mailbox.as2.httpauth import BasicAuth
            if not a.http_password:
                raise GatewayError(f"{self.cfg.source}: as2.http_user needs as2.http_password "
                                   "(env:NAME or file:PATH)")
            auth = BasicAuth.from_reference(a.http_user, a.http_password, env=self.env,
                                            base_dir=self.cfg.home)
        self._as2 = As2Server(
            a.host, a.port, lookup=lookup, accept=self.engine.accept,
            is_duplicate=self.store.external_id_seen, on_receipt=self.engine.receipt_arrived,
            on_event=self.engine.transport_event,
            tls_cert=str(a.tls_cert) if a.tls_cert else None,
            tls_key=str(a.tls_key) if a.tls_key else None, max_body=a.max_body, env=self.env,
            path=a.path, basic_auth=auth,
            mdn_spool=a.mdn_spool or self.cfg.home / "spool" / "mdn")
        self._as2.start()
        log.info("AS2 endpoint listening on %s", self._as2.url)

    # ------------------------------------------------------------------ retention

    def retain_if_due(self) -> None:
        if self.cfg.archive_after is None:
            return
        if not self.store.lease_poll(RETENTION_LEASE, self.worker, self.cfg.poll_lease):
            return
        try:
            self.retain(self.cfg.archive_after)
        finally:
            self.store.polled(RETENTION_LEASE, self.worker,
                              next_poll_at=self.clock() + _dt.timedelta(days=1))

    def retain(self, older_than: _dt.timedelta, *, export_dir: Optional[Path] = None) -> Any:
        """Move archive files that only documents older than ``older_than`` (all final)
        reference to the export folder (never deleted: audit verify finds them there)."""
        from gateway import states
        cutoff = self.clock() - older_than
        d = t.documents.c
        with self.store.engine.connect() as conn:
            old = set()
            young = set()
            for row in conn.execute(sa.select(d.raw_sha256, d.content_sha256, d.updated_at,
                                              d.status)):
                target = old if (row.updated_at < cutoff and row.status in states.FINAL) \
                    else young
                for sha in (row.raw_sha256, row.content_sha256):
                    if sha:
                        target.add(sha)
        movable = sorted(old - young)
        movable = [s for s in movable if self.archive.exists(s)
                   and self.archive.locate(s) == self.archive.path(s)]
        if not movable:
            return None
        report = self.archive.export(movable, export_dir or self.cfg.export_dir,
                                     reason=f"retention: documents older than {older_than.days} "
                                            "days")
        with self.store.transaction() as conn:
            self.store.append_event(conn, "archive_exported", "archive", {
                "to": str(report.export_dir), "objects": len(report.exported),
                "older_than_days": older_than.days})
        return report

    # ------------------------------------------------------------------ audit

    def verify_audit(self, *, check_files: bool = True) -> audit.VerifyReport:
        head = self.store.audit_head()
        problems: list[audit.Problem] = []
        expected = None
        if head is not None:
            seq, hsh, sig = head
            expected = (seq, hsh)
            key = self.store.audit_key
            if key and (sig is None or not audit.check_checkpoint_signature(seq, hsh, key, sig)):
                problems.append(audit.Problem(seq, "head_mismatch",
                                              f"the audit head (event {seq}) is not signed by "
                                              "this gateway's audit key: it was rewritten"))
        report = audit.verify(self.store.iter_events(), self.archive if check_files else None,
                              check_files=check_files, expected_head=expected)
        if problems:
            report = audit.VerifyReport(report.events_checked, report.files_checked,
                                        problems + report.problems, report.head,
                                        report.problems_omitted)
        return report


def iter_ids(values: Iterable[str]) -> list[int]:
    out = []
    for v in values:
        if not str(v).isdigit():
            raise ValueError(f"{v!r} is not a document id (a number, as `edi-gateway list` shows)")
        out.append(int(v))
    return out
