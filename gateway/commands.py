"""The operator commands of ``edi-gateway``: run, poll, list, show, resend, reprocess,
retry, ack-status, status, send, audit verify, archive retain, db upgrade.

Thin: each parses options, asks gateway.app / gateway.store, prints.  Tables for people,
``--json`` for scripts.  Exit statuses:

    0  done (for ``audit verify``: the trail is intact)
    1  done, but something needs a person: a document could not be acted on, the audit
       trail is not intact, documents are dead-lettered (``status``)
    2  usage or configuration error (bad option, unknown document, no gateway here)
"""
from __future__ import annotations

import datetime as _dt
import json
import os
import signal
import sys
from pathlib import Path
from typing import Any, Callable, Iterable, Optional, Sequence

import click
import sqlalchemy as sa

from gateway import states
from gateway.config import ConfigError, Config, build, load, locate
from gateway.engine import ACK_TYPES
from gateway.errors import GatewayError
from gateway.profiles.model import parse_duration
from gateway.store import LostClaim
from gateway.store import schema as t
from translators import _native

OPTIONS = [
    click.option("--config", "config_path", default=None, metavar="FILE",
                 help="gateway.yaml to use (default: $EDI_GATEWAY_CONFIG, ./gateway.yaml, or the "
                      "embedded defaults in ./edi-gateway-home)."),
    click.option("--home", default=None, metavar="DIR",
                 help="Home folder of the embedded defaults (default: $EDI_GATEWAY_HOME or "
                      "./edi-gateway-home)."),
]


def gateway_options(fn: Callable) -> Callable:
    for opt in reversed(OPTIONS):
        fn = opt(fn)
    return fn


def _config(config_path: Optional[str], home: Optional[str], *, create: bool) -> Config:
    env = os.environ
    path, home_dir = locate(config_path, home, env, Path.cwd())
    if path is not None:
        if not path.exists():
            raise click.UsageError(f"{path}: no such configuration file")
        return load(path, env)
    if not (home_dir / "gateway.yaml").exists():
        if not create:
            raise click.UsageError(
                f"no gateway here: {home_dir} does not exist. Run `edi-gateway run` to create "
                "the embedded defaults there, or pass --config / --home")
        from gateway.quickstart import create_home
        written = create_home(home_dir)
        click.echo(f"created the embedded defaults in {home_dir} ({len(written)} files: sample "
                   "profiles, mailboxes with sample files, ERP folders)", err=True)
    return load(home_dir / "gateway.yaml", env)


def open_gateway(config_path: Optional[str], home: Optional[str], *, create: bool = False
                 ) -> Any:
    from gateway.app import Gateway
    try:
        cfg = _config(config_path, home, create=create)
        return Gateway(cfg, os.environ)
    except ConfigError as exc:
        raise click.UsageError(str(exc)) from None
    except GatewayError as exc:
        raise click.UsageError(str(exc)) from None


# --------------------------------------------------------------------------- formatting

def _when(value: Optional[_dt.datetime]) -> str:
    if value is None:
        return "-"
    return value.astimezone(_dt.timezone.utc).strftime("%Y-%m-%d %H:%M:%S")


def _table(rows: Sequence[Sequence[Any]], headers: Sequence[str]) -> str:
    cells = [[str(h) for h in headers]] + [["-" if c is None else str(c) for c in r]
                                           for r in rows]
    widths = [max(len(r[i]) for r in cells) for i in range(len(headers))]
    lines = ["  ".join(c.ljust(w) for c, w in zip(r, widths)).rstrip() for r in cells]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def _plain(value: Any) -> Any:
    if isinstance(value, _dt.datetime):
        return value.astimezone(_dt.timezone.utc).isoformat()
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value


def _echo_json(value: Any) -> None:
    click.echo(json.dumps(_plain(value), indent=2, ensure_ascii=False, default=str))


def _kind(doc: dict[str, Any]) -> str:
    return doc.get("transaction_set") or doc["doc_type"]


def _doc_line(doc: dict[str, Any]) -> list[Any]:
    direction = {"inbound": "in", "transaction": "in", "outbound": "out"}[doc["flow"]]
    extra = doc.get("detail") or doc.get("last_error") or ""
    if doc["flow"] == "outbound" and doc["status"] == "sent":
        track = [f"{n}:{doc[c]}" for n, c in (("mdn", "receipt_status"), ("ack", "ack_status"),
                                              ("resp", "response_status"))
                 if doc[c] != "none"]
        extra = " ".join(track) or extra
    if len(extra) > 70:
        extra = extra[:67] + "..."
    return [doc["id"], _when(doc["created_at"]), doc.get("partner") or "?", direction,
            _kind(doc), doc.get("number") or (doc.get("meta") or {}).get("name") or "",
            doc["status"] + (f" (retry {doc['attempts']})" if doc["attempts"]
                             and doc["status"] in ("received", "pending", "extracted",
                                                   "rendered") else ""), extra]


HEADERS = ["id", "created (UTC)", "partner", "dir", "type", "number/file", "status", "detail"]


def _progress(items: Sequence[Any], label: str) -> Any:
    if len(items) > 1 and sys.stderr.isatty():
        return click.progressbar(items, label=label, file=sys.stderr)
    return _Null(items)


class _Null:
    def __init__(self, items: Sequence[Any]) -> None:
        self.items = items

    def __enter__(self) -> Sequence[Any]:
        return self.items

    def __exit__(self, *exc: Any) -> None:
        return None


def _ids(values: Iterable[str]) -> list[int]:
    out = []
    for v in values:
        if not str(v).isdigit():
            raise click.UsageError(f"{v!r} is not a document id (a number, as `edi-gateway list` "
                                   "shows)")
        out.append(int(v))
    return out


# --------------------------------------------------------------------------- run / poll

def _step_printer(as_json: bool) -> Callable[[Any], None]:
    def show(result: Any) -> None:
        if as_json:
            click.echo(json.dumps({"document": result.document_id, "step": result.step,
                                   "status": result.status, "detail": result.detail}))
        else:
            detail = result.detail if len(result.detail) < 160 else result.detail[:157] + "..."
            click.echo(f"  #{result.document_id:<5} {result.step:<8} -> {result.status:<12} "
                       f"{detail}")
    return show


def register(main: click.Group) -> None:
    @main.command()
    @gateway_options
    @click.option("--until-idle", is_flag=True,
                  help="Poll every partner once, process everything, then exit.")
    @click.option("--json", "as_json", is_flag=True, help="One JSON object per step.")
    def run(config_path: Optional[str], home: Optional[str], until_idle: bool,
            as_json: bool) -> None:
        """Run the gateway: poll partners, receive AS2, translate, deliver, send, acknowledge.

        Stops on SIGTERM or Ctrl-C after finishing the document in hand.  Several `run`
        processes may share one PostgreSQL store (README: running a cluster)."""
        gw = open_gateway(config_path, home, create=True)

        def stop(signum: int, _frame: Any) -> None:
            gw.stopping.set()
        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)
        printer = _step_printer(as_json)

        def on_tick(report: Any) -> None:
            if as_json:
                return
            for partner, summary in report.polled.items():
                if not summary.startswith("0 received, 0 skipped"):
                    click.echo(f"poll {partner}: {summary}")
            for problem in report.profile_problems:
                click.echo(f"profile refused: {problem}", err=True)
            if report.extracted:
                click.echo(f"ERP: {report.extracted} new outbound document(s)")
        if not as_json:
            click.echo(f"edi-gateway {gw.worker}: store {gw.store.engine.url.render_as_string()}, "
                       f"{len(gw.registry.profiles)} partner profile(s) in {gw.cfg.profiles_dir}")
            compiled, why = _native.STATE  # see translators/_native.py
            if not compiled:
                click.echo(f"note: translators run as Python sources, about half as fast: {why}",
                           err=True)
        try:
            gw.run(until_idle=until_idle, on_tick=on_tick, on_step=printer)
        finally:
            summary = gw.store.count_by("status")
            gw.close()
        if not as_json:
            click.echo("documents by status: " + ", ".join(f"{s} {n}" for s, n in summary))
            if until_idle:
                click.echo("next: `edi-gateway list`, `edi-gateway show ID`, "
                           "`edi-gateway ack-status`, `edi-gateway audit verify`")

    @main.command()
    @gateway_options
    @click.option("--once", is_flag=True, required=True,
                  help="Poll now (required: a continuous poller is `run`).")
    @click.argument("partner", required=False)
    @click.option("--process/--no-process", default=True,
                  help="Also process what arrived (default) or only pick it up.")
    @click.option("--json", "as_json", is_flag=True)
    def poll(config_path: Optional[str], home: Optional[str], once: bool,
             partner: Optional[str], process: bool, as_json: bool) -> None:
        """Poll PARTNER (or every partner) once, even if not due yet."""
        gw = open_gateway(config_path, home)
        try:
            if partner is not None and gw.registry.get(partner) is None:
                raise click.UsageError(f"no partner profile named {partner!r} in "
                                       f"{gw.cfg.profiles_dir}")
            polled = gw.poll(partner, force=True)
            steps = gw.work(on_step=None if as_json else _step_printer(False)) if process else []
        finally:
            gw.close()
        if as_json:
            _echo_json({"polled": polled, "steps": [s.__dict__ for s in steps]})
        else:
            for name, summary in polled.items():
                click.echo(f"{name}: {summary}")
        if any(s.startswith("error") for s in polled.values()):
            sys.exit(1)

    # ----------------------------------------------------------------------- list / show

    @main.command("list")
    @gateway_options
    @click.option("--partner", default=None)
    @click.option("--direction", type=click.Choice(["in", "out"]), default=None)
    @click.option("--type", "doc_type", default=None,
                  help="850, 856, ORDERS, purchase_order, ship_notice, 997, file...")
    @click.option("--status", "status", multiple=True, type=click.Choice(states.STATUSES))
    @click.option("--since", default=None, help="A duration (2h, 7d) or a date (2026-12-01).")
    @click.option("--limit", default=50, show_default=True)
    @click.option("--json", "as_json", is_flag=True)
    def list_(config_path: Optional[str], home: Optional[str], partner: Optional[str],
              direction: Optional[str], doc_type: Optional[str], status: tuple[str, ...],
              since: Optional[str], limit: int, as_json: bool) -> None:
        """Documents, newest first."""
        gw = open_gateway(config_path, home)
        try:
            since_at = _since(since)
            d = t.documents.c
            where = None
            if direction == "in":
                where = d.flow.in_(["inbound", "transaction"])
            elif direction == "out":
                where = d.flow == "outbound"
            docs = gw.store.documents(partner=partner, doc_type=doc_type, status=status or None,
                                      since=since_at, limit=limit, newest_first=True,
                                      where=where)
        finally:
            gw.close()
        if as_json:
            _echo_json(docs)
            return
        if not docs:
            click.echo("no documents match")
            return
        click.echo(_table([_doc_line(doc) for doc in docs], HEADERS))

    @main.command()
    @gateway_options
    @click.argument("doc_id", type=int)
    @click.option("--raw", is_flag=True, help="Print the raw file (received or sent) only.")
    @click.option("--content", is_flag=True, help="Print the canonical content only.")
    @click.option("--json", "as_json", is_flag=True)
    def show(config_path: Optional[str], home: Optional[str], doc_id: int, raw: bool,
             content: bool, as_json: bool) -> None:
        """A document: what it is, its timeline, acknowledgments and ERP result."""
        gw = open_gateway(config_path, home)
        try:
            doc = gw.store.get(doc_id)
            if doc is None:
                raise click.UsageError(f"no document {doc_id}")
            if raw:
                if not doc.get("raw_sha256"):
                    raise click.UsageError(f"document {doc_id} has no raw file yet "
                                           f"(status {doc['status']})")
                sys.stdout.buffer.write(gw.archive.read(doc["raw_sha256"]))
                return
            canonical_content = (json.loads(gw.archive.read(doc["content_sha256"]))
                                 if doc.get("content_sha256") else None)
            if content:
                if canonical_content is None:
                    raise click.UsageError(f"document {doc_id} has no canonical content")
                _echo_json(canonical_content)
                return
            timeline = [e.to_dict() for e in gw.store.iter_events(document_id=doc_id)]
            related = gw.store.documents(where=sa.or_(t.documents.c.parent_id == doc_id,
                                                      t.documents.c.answers_id == doc_id))
            parent = gw.store.get(doc["parent_id"]) if doc.get("parent_id") else None
            acks = [r for r in related if r["flow"] == "outbound"]
            if parent is not None:
                acks += gw.store.documents(where=t.documents.c.answers_id == parent["id"])
            children = [r for r in related if r["flow"] == "transaction"]
            file_row = gw.store.file(doc["file_id"]) if doc.get("file_id") else None
        finally:
            gw.close()
        if as_json:
            _echo_json({"document": doc, "file": file_row, "timeline": timeline,
                        "transactions": children, "acknowledgments": acks, "parent": parent,
                        "content": canonical_content})
            return
        _print_show(doc, file_row, timeline, children, acks, parent, canonical_content)

    # ----------------------------------------------------------------------- actions

    @main.command()
    @gateway_options
    @click.argument("ids", nargs=-1, required=True)
    @click.option("--new-control-numbers", is_flag=True,
                  help="Render again with new control numbers instead of the same bytes.")
    @click.option("--json", "as_json", is_flag=True)
    def resend(config_path: Optional[str], home: Optional[str], ids: tuple[str, ...],
               new_control_numbers: bool, as_json: bool) -> None:
        """Send outbound documents IDS again (same content and control numbers)."""
        event = "rerender" if new_control_numbers else "resend"
        _act(config_path, home, _ids(ids), event, "outbound", as_json,
             values_for=lambda doc: dict(attempts=0, last_error=None, **(
                 dict(interchange_cn=None, group_cn=None, transaction_cn=None, raw_sha256=None,
                      receipt_status="none", ack_status="none")
                 if new_control_numbers else {})))

    @main.command()
    @gateway_options
    @click.argument("ids", nargs=-1, required=True)
    @click.option("--json", "as_json", is_flag=True)
    def reprocess(config_path: Optional[str], home: Optional[str], ids: tuple[str, ...],
                  as_json: bool) -> None:
        """Run inbound documents IDS again from the archive (after fixing a profile).
        ERP effects already applied are not applied twice."""
        _act(config_path, home, _ids(ids), "reprocess", None, as_json,
             values_for=lambda doc: dict(attempts=0, last_error=None, dead_from=None))

    @main.command()
    @gateway_options
    @click.argument("ids", nargs=-1)
    @click.option("--partner", default=None, help="Only this partner's dead documents.")
    @click.option("--json", "as_json", is_flag=True)
    def retry(config_path: Optional[str], home: Optional[str], ids: tuple[str, ...],
              partner: Optional[str], as_json: bool) -> None:
        """Take dead-lettered documents (all, or IDS) back to the step they died in."""
        chosen = _ids(ids)
        if not chosen:
            gw = open_gateway(config_path, home)
            try:
                chosen = [d["id"] for d in gw.store.documents(status=["dead"], partner=partner)]
            finally:
                gw.close()
            if not chosen:
                click.echo("no dead-lettered documents")
                return
        _act(config_path, home, chosen, "retry", None, as_json,
             values_for=lambda doc: dict(attempts=0, last_error=None, dead_from=None))

    @main.command("ack-status")
    @gateway_options
    @click.option("--partner", default=None)
    @click.option("--all", "show_all", is_flag=True, help="Include fully acknowledged documents.")
    @click.option("--json", "as_json", is_flag=True)
    def ack_status(config_path: Optional[str], home: Optional[str], partner: Optional[str],
                   show_all: bool, as_json: bool) -> None:
        """Outbound documents still waiting for an MDN, a 997/999/CONTRL or a response."""
        gw = open_gateway(config_path, home)
        d = t.documents.c
        waiting = sa.or_(*[d[c].in_(["pending", "overdue", "rejected", "accepted_with_errors"])
                           for c in ("receipt_status", "ack_status", "response_status")])
        try:
            docs = gw.store.documents(flow="outbound", partner=partner, where=sa.and_(
                d.doc_type.not_in(sorted(ACK_TYPES)),
                sa.true() if show_all else waiting))
        finally:
            gw.close()
        if as_json:
            _echo_json(docs)
            return
        if not docs:
            click.echo("nothing is waiting for an acknowledgment")
            return
        rows = [[doc["id"], doc["partner"], _kind(doc), doc.get("number") or "",
                 doc.get("interchange_cn"), doc["status"], doc["receipt_status"],
                 doc["ack_status"] + (f" (due {_when(doc['ack_due_at'])})"
                                      if doc["ack_status"] == "pending" and doc["ack_due_at"]
                                      else ""),
                 doc["response_status"] + (f" (due {_when(doc['response_due_at'])})"
                                           if doc["response_status"] == "pending"
                                           and doc["response_due_at"] else "")]
                for doc in docs]
        click.echo(_table(rows, ["id", "partner", "type", "number", "ISA13/UNB", "status",
                                 "mdn", "functional ack", "business response"]))

    @main.command()
    @gateway_options
    @click.option("--json", "as_json", is_flag=True)
    @click.option("--cert-days", type=int, default=30, show_default=True,
                  help="warn about AS2 certificates expiring within this many days")
    def status(config_path: Optional[str], home: Optional[str], as_json: bool,
               cert_days: int) -> None:
        """Per partner: last poll, last success, backlog, errors; AS2 certificates that
        expired or expire soon.  Exit status 1 when documents are dead, a profile is
        refused, or an AS2 partner has no usable certificate."""
        gw = open_gateway(config_path, home)
        try:
            polls = gw.store.partner_states()
            counts = gw.store.count_by("partner", "status")
            profiles = dict(gw.registry.profiles)
            problems = [p.describe() if hasattr(p, "describe") else str(p)
                        for p in gw.registry.problems]
        finally:
            gw.close()
        certs = _certificate_status(profiles.values(), cert_days)
        names = sorted(set(profiles) | {p for p, _, _ in counts if p} | {
            n for n in polls if not n.startswith("__")})
        out = []
        for name in names:
            by = {s: n for p, s, n in counts if p == name}
            st = polls.get(name, {})
            backlog = sum(by.get(s, 0) for s in ("received", "pending", "extracted", "rendered"))
            prof = profiles.get(name)
            out.append({"partner": name,
                        "profile": ("enabled" if prof.enabled else "disabled") if prof else
                        "missing", "transport": prof.transport.type if prof else None,
                        "last_poll": st.get("last_poll_at"),
                        "last_success": st.get("last_success_at"),
                        "last_error": st.get("last_error") if st.get("last_error_at") and (
                            st.get("last_success_at") is None
                            or st["last_error_at"] > st["last_success_at"]) else None,
                        "received": st.get("received", 0), "backlog": backlog,
                        "dead": by.get("dead", 0), "quarantined": by.get("quarantined", 0),
                        "rejected": by.get("rejected", 0) + by.get("refused", 0)})
        if as_json:
            _echo_json({"partners": out, "profile_problems": problems,
                        "certificates": certs["attention"],
                        "certificate_problems": certs["problems"]})
        else:
            click.echo(_table([[o["partner"], o["profile"], o["transport"], _when(o["last_poll"]),
                                _when(o["last_success"]), o["received"], o["backlog"], o["dead"],
                                o["quarantined"], o["rejected"],
                                (o["last_error"] or "")[:60]] for o in out],
                              ["partner", "profile", "transport", "last poll", "last success",
                               "received", "backlog", "dead", "quarantined", "rejected",
                               "last error"]))
            for p in problems:
                click.echo(f"profile refused: {p}", err=True)
            for c in certs["attention"]:
                click.echo(f"certificate: {c['text']}", err=True)
            for p in certs["problems"]:
                click.echo(f"certificate problem: {p}", err=True)
        if any(o["dead"] for o in out) or problems or certs["problems"]:
            sys.exit(1)

    @main.command()
    @gateway_options
    @click.argument("kind")
    @click.argument("ref")
    @click.option("--now/--later", default=True, help="Render and send at once (default).")
    @click.option("--json", "as_json", is_flag=True)
    def send(config_path: Optional[str], home: Optional[str], kind: str, ref: str, now: bool,
             as_json: bool) -> None:
        """Send one ERP document on demand: e.g. `send po PO-1001`."""
        gw = open_gateway(config_path, home)
        try:
            try:
                added = gw.send_on_demand(kind, ref)
            except GatewayError as exc:
                raise click.UsageError(str(exc)) from None
            if not added:
                raise click.UsageError(f"the ERP connector ({gw.connector.name}) has no {kind} "
                                       f"{ref!r}")
            steps = []
            if now:
                ids = {i for i, _ in added}
                for _ in range(3):
                    claimed = [d for d in gw.store.claim(gw.worker, limit=50)]
                    mine = [d for d in claimed if d["id"] in ids]
                    for other in claimed:
                        if other["id"] not in ids:
                            gw.store.release(other["id"], gw.worker)
                    if not mine:
                        break
                    steps += [gw.engine.run_step(d, gw.worker) for d in mine]
            docs = [gw.store.get(i) for i, _ in added]
        finally:
            gw.close()
        if as_json:
            _echo_json({"documents": docs, "new": [new for _, new in added]})
            return
        for (i, new), doc in zip(added, docs):
            note = "" if new else " (was already known: use `edi-gateway resend` to send again)"
            click.echo(f"document {i}: {doc['partner']} {_kind(doc)} {doc.get('number')} "
                       f"{doc['status']}{note}")

    # ----------------------------------------------------------------------- audit, archive, db

    @main.group()
    def audit() -> None:
        """The hash-chained audit trail."""

    @audit.command("verify")
    @gateway_options
    @click.option("--no-files", is_flag=True, help="Check the events only, not archive files.")
    @click.option("--json", "as_json", is_flag=True)
    def audit_verify(config_path: Optional[str], home: Optional[str], no_files: bool,
                     as_json: bool) -> None:
        """Check every event and archive file: exit 1 on an edited or deleted one."""
        gw = open_gateway(config_path, home)
        try:
            report = gw.verify_audit(check_files=not no_files)
        finally:
            gw.close()
        if as_json:
            _echo_json({"ok": report.ok, "events": report.events_checked,
                        "files": report.files_checked, "head": report.head,
                        "problems": [p.__dict__ for p in report.problems]})
        else:
            click.echo(report.summary())
            for p in report.problems:
                click.echo(f"  {p.kind}: {p.message}")
        if not report.ok:
            sys.exit(1)

    @main.group()
    def archive() -> None:
        """The archive of every file received and produced."""

    @archive.command("retain")
    @gateway_options
    @click.option("--older-than", default=None, help="Default: retention.archive_after.")
    @click.option("--to", "to_dir", default=None, type=click.Path(file_okay=False),
                  help="Export folder (default: archive_export).")
    def archive_retain(config_path: Optional[str], home: Optional[str], older_than: Optional[str],
                       to_dir: Optional[str]) -> None:
        """Move archive files of old, finished documents to the export folder."""
        gw = open_gateway(config_path, home)
        try:
            age = parse_duration(older_than) if older_than else gw.cfg.archive_after
            if age is None:
                raise click.UsageError("no --older-than and no retention.archive_after")
            report = gw.retain(age, export_dir=Path(to_dir) if to_dir else None)
        except ValueError as exc:
            raise click.UsageError(str(exc)) from None
        finally:
            gw.close()
        if report is None:
            click.echo("nothing to move")
        else:
            click.echo(f"moved {len(report.exported)} archive files to {report.export_dir}")

    @main.group()
    def db() -> None:
        """The store's schema."""

    @db.command("upgrade")
    @gateway_options
    def db_upgrade(config_path: Optional[str], home: Optional[str]) -> None:
        """Bring the store's schema up to date (also done by every command)."""
        from gateway.store.store import current_revision, make_engine, migrate
        cfg = _config(config_path, home, create=False)
        engine = make_engine(cfg.store_url)
        before = current_revision(engine)
        migrate(engine)
        click.echo(f"schema {before or 'empty'} -> {current_revision(engine)}")
        engine.dispose()


def _certificate_status(profiles: Iterable[Any], within_days: int) -> dict[str, list]:
    """AS2 certificates needing attention, and hard problems: a file that cannot be read, our
    own certificate outside its validity, or a partner with no certificate valid today (an
    expired one beside a valid successor during a rollover is only a warning)."""
    from edi_mailbox.as2 import certs as as2_certs
    from edi_mailbox.as2.keys import certificate_report
    report = certificate_report(profiles, within_days, include_valid=True)
    attention = [{"partner": c.partner, "role": c.role, "path": str(c.path) if c.path else None,
                  "subject": c.subject, "serial": c.serial, "state": c.state,
                  "not_after": c.not_after.isoformat(), "days_left": c.days_left, "text": str(c)}
                 for c in report.certificates if c.state != as2_certs.VALID]
    problems = list(report.problems)
    usable: dict[tuple[str, str], bool] = {}
    for c in report.certificates:
        ok = c.state in (as2_certs.VALID, as2_certs.EXPIRING)
        usable[(c.partner, c.role)] = usable.get((c.partner, c.role), False) or ok
    for (partner, role), ok in sorted(usable.items()):
        if not ok:
            problems.append(f"partner {partner}: no {role} certificate is valid today"
                            + ("; renew ours, send it to the partner and set "
                               "transport.as2.our_certificate" if role == "ours" else
                               "; ask the partner for its new certificate and add it to "
                               "transport.as2.partner_certificates"))
    return {"attention": attention, "problems": problems}


def _since(text: Optional[str]) -> Optional[_dt.datetime]:
    if text is None:
        return None
    try:
        return _dt.datetime.now(_dt.timezone.utc) - parse_duration(text)
    except ValueError:
        pass
    try:
        day = _dt.datetime.fromisoformat(text)
    except ValueError:
        raise click.UsageError(f"--since {text!r}: give a duration (2h, 7d) or a date "
                               "(2026-12-01)") from None
    return day if day.tzinfo else day.replace(tzinfo=_dt.timezone.utc)


def _act(config_path: Optional[str], home: Optional[str], ids: list[int], event: str,
         flow: Optional[str], as_json: bool, *, values_for: Callable[[dict], dict]) -> None:
    gw = open_gateway(config_path, home)
    results: list[dict[str, Any]] = []
    try:
        with _progress(ids, event) as bar:
            for doc_id in bar:
                results.append(_act_one(gw, doc_id, event, flow, values_for))
    finally:
        gw.close()
    if as_json:
        _echo_json(results)
    else:
        for r in results:
            click.echo(f"document {r['id']}: {r['message']}")
    if any(not r["ok"] for r in results):
        sys.exit(1)


def _act_one(gw: Any, doc_id: int, event: str, flow: Optional[str],
             values_for: Callable[[dict], dict]) -> dict[str, Any]:
    doc = gw.store.get(doc_id)
    if doc is None:
        return {"id": doc_id, "ok": False, "message": "no such document"}
    if flow is not None and doc["flow"] != flow:
        return {"id": doc_id, "ok": False,
                "message": f"is an inbound document; only outbound documents can be {event}ed"
                if flow == "outbound" else f"is not {flow}"}
    ev = event
    to = None
    if event == "retry":
        if doc["status"] != "dead":
            return {"id": doc_id, "ok": False, "message": f"is {doc['status']}, not dead"}
        if doc["flow"] == "outbound" and doc.get("dead_from") == "rendered":
            ev = "resend"
    if event == "reprocess" and doc["flow"] == "outbound":
        return {"id": doc_id, "ok": False,
                "message": "is outbound: use `edi-gateway resend` to send it again"}
    allowed = states.events_from(doc["flow"], doc["status"])
    if ev not in allowed:
        return {"id": doc_id, "ok": False,
                "message": f"is {doc['status']}: cannot {event} it now"
                + (f" (possible: {', '.join(allowed)})" if allowed else "")}
    if event == "resend" and not doc.get("raw_sha256"):
        return {"id": doc_id, "ok": False, "message": "was never rendered: use retry"}
    values = values_for(doc)
    values["next_attempt_at"] = gw.store.clock()
    try:
        with gw.store.transaction() as conn:
            new = gw.store.transition(conn, doc, ev, values=values, to=to,
                                      data={"by": "operator", "command": event})
    except LostClaim as exc:
        return {"id": doc_id, "ok": False, "message": f"changed meanwhile ({exc}); try again"}
    return {"id": doc_id, "ok": True, "message": f"{doc['status']} -> {new}; the next "
            "`edi-gateway run` (or a running gateway) takes it from there"}


def _print_show(doc: dict, file_row: Optional[dict], timeline: list[dict], children: list[dict],
                acks: list[dict], parent: Optional[dict], content: Any) -> None:
    click.secho(f"document {doc['id']}: {doc.get('partner') or '?'} {_kind(doc)} "
                f"{doc.get('number') or ''} -- {doc['status']}", bold=True)
    fields = [("flow", doc["flow"]), ("key", doc["key"]),
              ("standard", f"{doc.get('standard') or '-'} {doc.get('version') or ''}".strip()),
              ("control numbers", " / ".join(str(doc.get(c) or "-") for c in (
                  "interchange_cn", "group_cn", "transaction_cn"))),
              ("created", _when(doc["created_at"])), ("updated", _when(doc["updated_at"]))]
    if file_row is not None:
        fields.append(("file", f"{file_row['name']} ({file_row['size']} bytes) over "
                               f"{file_row['channel']}, received {_when(file_row['received_at'])}"))
    if parent is not None:
        fields.append(("part of", f"document {parent['id']} ({parent['status']})"))
    if doc.get("raw_sha256"):
        fields.append(("raw sha256", doc["raw_sha256"]))
    if doc.get("content_sha256"):
        fields.append(("canonical sha256", doc["content_sha256"]))
    if doc["flow"] == "outbound":
        fields += [("transport id", doc.get("transport_id") or "-"),
                   ("MDN", doc["receipt_status"]), ("functional ack", doc["ack_status"]),
                   ("business response", doc["response_status"])]
    if doc.get("detail"):
        fields.append(("detail", doc["detail"]))
    if doc.get("last_error"):
        fields.append(("last error", f"{doc['last_error']} (attempt {doc['attempts']}, next "
                                     f"{_when(doc['next_attempt_at'])})"))
    if doc.get("erp_result"):
        erp = doc["erp_result"]
        fields.append(("ERP", "; ".join(erp.get("effects") or []) or "-"))
        for e in erp.get("exceptions") or []:
            fields.append(("ERP exception", f"{e['code']}: {e['message']}"))
    width = max(len(k) for k, _ in fields)
    for k, v in fields:
        click.echo(f"  {k.ljust(width)}  {v}")
    if children:
        click.secho("transactions:", bold=True)
        click.echo(_table([_doc_line(c) for c in children], HEADERS))
    if acks:
        click.secho("acknowledgments:", bold=True)
        click.echo(_table([[a["id"], a["doc_type"], (a.get("meta") or {}).get("status")
                            or a.get("detail"), a["status"], a.get("transport_id")]
                           for a in acks], ["id", "kind", "says", "status", "sent as"]))
    click.secho("timeline:", bold=True)
    for ev in timeline:
        data = ev["data"]
        summary = ", ".join(f"{k}={v}" for k, v in data.items()
                            if k not in ("partner",) and v not in (None, "", [], {}))
        if len(summary) > 150:
            summary = summary[:147] + "..."
        click.echo(f"  {ev['at'][:19].replace('T', ' ')}  #{ev['seq']:<6} {ev['kind']:<16} "
                   f"{summary}")
    if content is not None:
        click.echo("canonical content: `edi-gateway show --content " f"{doc['id']}`")
