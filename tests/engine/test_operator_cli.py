"""The operator commands: run on the embedded defaults, list, show, resend, reprocess, retry,
ack-status, status, send, audit verify, archive retain; tables, --json and exit statuses."""
from __future__ import annotations

import datetime
import json
import os

import pytest
import sqlalchemy as sa
from click.testing import CliRunner

from cli import main
from gateway.config import ConfigError, load
from gateway.store import schema as t
from homes import Home, ship_notice


def _cli(home: Home, *args: str):
    n = 2 if args[0] in ("audit", "archive", "db") else 1
    return CliRunner().invoke(main, [*args[:n], "--config", str(home.root / "gateway.yaml"),
                                     *args[n:]], catch_exceptions=False)


def _json(home: Home, *args: str):
    res = _cli(home, *args, "--json")
    assert res.exit_code == 0, res.output
    return json.loads(res.output)


def test_run_on_the_embedded_defaults_creates_a_working_home(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("EDI_GATEWAY_HOME", raising=False)
    monkeypatch.delenv("EDI_GATEWAY_CONFIG", raising=False)
    res = CliRunner().invoke(main, ["run", "--until-idle"], catch_exceptions=False)
    assert res.exit_code == 0, res.output
    home = tmp_path / "edi-gateway-home"
    assert (home / "gateway.yaml").exists() and (home / "gateway.db").exists()
    assert "documents by status" in res.output
    listing = CliRunner().invoke(main, ["list", "--json"], catch_exceptions=False)
    docs = json.loads(listing.output)
    kinds = {(d["flow"], d.get("transaction_set") or d["doc_type"], d["status"]) for d in docs}
    assert ("transaction", "855", "delivered") in kinds
    assert ("transaction", "856", "delivered") in kinds
    assert ("transaction", "856", "refused") in kinds  # the broken sample
    assert ("transaction", "DESADV", "delivered") in kinds
    assert ("outbound", "850", "sent") in kinds and ("outbound", "ORDERS", "sent") in kinds
    assert ("outbound", "997", "sent") in kinds and ("outbound", "CONTRL", "sent") in kinds
    assert len(list((home / "erp" / "out" / "acme-parts").glob("*.json"))) == 2
    assert list((home / "mailboxes" / "acme-parts" / "out").glob("acme-parts-850-*.x12"))
    verify = CliRunner().invoke(main, ["audit", "verify"], catch_exceptions=False)
    assert verify.exit_code == 0 and "intact" in verify.output
    # running again finds nothing new and processes nothing twice
    again = CliRunner().invoke(main, ["run", "--until-idle", "--json"], catch_exceptions=False)
    assert again.exit_code == 0 and again.output.strip() == ""


def test_list_show_and_filters(sqlite_home):
    home = sqlite_home
    home.drop("acme-parts", "a.x12", home.render("acme-parts", ship_notice("PO-1", "ASN-7")))
    home.order("acme-parts", "PO-55")
    assert _cli(home, "run", "--until-idle").exit_code == 0
    table = _cli(home, "list")
    assert table.exit_code == 0
    assert "ASN-7" in table.output and "PO-55" in table.output and "partner" in table.output
    inbound = _json(home, "list", "--direction", "in", "--type", "856")
    assert [d["number"] for d in inbound] == ["ASN-7"]
    assert _json(home, "list", "--status", "dead") == []
    tx = inbound[0]
    shown = _json(home, "show", str(tx["id"]))
    assert shown["document"]["status"] == "delivered"
    assert shown["content"]["content"]["number"] == "ASN-7"
    assert [a["doc_type"] for a in shown["acknowledgments"]] == ["997"]
    assert [e["kind"] for e in shown["timeline"]][:1] == ["translated"]
    human = _cli(home, "show", str(tx["parent_id"]))
    assert "timeline:" in human.output and "a.x12" in human.output and "997" in human.output
    raw = _cli(home, "show", str(tx["parent_id"]), "--raw")
    assert raw.output.startswith("ISA*")
    missing = _cli(home, "show", "9999")
    assert missing.exit_code == 2 and "no document 9999" in missing.output


def test_resend_reprocess_retry_and_their_exit_statuses(sqlite_home):
    home = sqlite_home
    home.order("acme-parts", "PO-56")
    home.drop("acme-parts", "a.x12", home.render("acme-parts", ship_notice("PO-1", "ASN-8")))
    _cli(home, "run", "--until-idle")
    po = _json(home, "list", "--type", "purchase_order")[0]
    res = _cli(home, "resend", str(po["id"]))
    assert res.exit_code == 0 and "sent -> rendered" in res.output
    _cli(home, "run", "--until-idle")
    again = _json(home, "show", str(po["id"]))["document"]
    assert again["raw_sha256"] == po["raw_sha256"] and again["status"] == "sent"
    res = _cli(home, "resend", "--new-control-numbers", str(po["id"]))
    assert res.exit_code == 0 and "sent -> extracted" in res.output
    _cli(home, "run", "--until-idle")
    third = _json(home, "show", str(po["id"]))["document"]
    assert third["interchange_cn"] != po["interchange_cn"] and third["status"] == "sent"
    # resending an inbound document is refused with a reason and exit status 1
    file_doc = _json(home, "list", "--type", "file")[0]
    res = _cli(home, "resend", str(file_doc["id"]))
    assert res.exit_code == 1 and "inbound" in res.output
    res = _cli(home, "reprocess", str(file_doc["id"]))
    assert res.exit_code == 0 and "translated -> received" in res.output
    _cli(home, "run", "--until-idle")
    assert len(list(home.erp_out("acme-parts").glob("*.json"))) == 1
    # retry: nothing dead
    res = _cli(home, "retry")
    assert res.exit_code == 0 and "no dead-lettered documents" in res.output
    res = _cli(home, "retry", str(file_doc["id"]))
    assert res.exit_code == 1 and "not dead" in res.output
    res = _cli(home, "reprocess", "abc")
    assert res.exit_code == 2


def test_ack_status_status_and_send(sqlite_home):
    home = sqlite_home
    home.order("acme-parts", "PO-57")
    res = _cli(home, "send", "po", "PO-57")
    assert res.exit_code == 0, res.output
    assert "PO-57 sent" in res.output
    res = _cli(home, "send", "po", "PO-57")
    assert "already known" in res.output
    res = _cli(home, "send", "po", "NOPE")
    assert res.exit_code == 2 and "has no po 'NOPE'" in res.output
    waiting = _json(home, "ack-status")
    assert [(d["number"], d["ack_status"], d["response_status"]) for d in waiting] == [
        ("PO-57", "pending", "pending")]
    human = _cli(home, "ack-status")
    assert "functional ack" in human.output and "PO-57" in human.output
    status = _json(home, "status")
    names = {p["partner"]: p for p in status["partners"]}
    assert set(names) >= {"acme-parts", "nordwerk"}
    assert names["acme-parts"]["dead"] == 0


def test_audit_verify_detects_deleted_events_and_archive_files(sqlite_home):
    home = sqlite_home
    home.drop("acme-parts", "a.x12", home.render("acme-parts", ship_notice("PO-1", "ASN-9")))
    _cli(home, "run", "--until-idle")
    assert _cli(home, "audit", "verify").exit_code == 0
    engine = sa.create_engine(f"sqlite:///{home.root / 'gateway.db'}")
    with engine.begin() as conn:
        last = conn.execute(sa.select(sa.func.max(t.events.c.seq))).scalar()
        conn.execute(t.events.delete().where(t.events.c.seq == last - 1))
    res = _cli(home, "audit", "verify")
    assert res.exit_code == 1 and "missing" in res.output
    with engine.begin() as conn:  # hide the deletion: rewrite the tail and the head
        conn.execute(t.events.delete().where(t.events.c.seq >= last - 1))
        conn.execute(t.audit_head.update().values(seq=last - 2))
    res = _cli(home, "audit", "verify")
    assert res.exit_code == 1 and "not signed" in res.output
    engine.dispose()
    fresh = Home(home.root.parent / "other")
    fresh.drop("acme-parts", "b.x12", fresh.render("acme-parts", ship_notice("PO-2", "ASN-10")))
    _cli(fresh, "run", "--until-idle")
    victim = next((fresh.root / "archive" / "objects").rglob("*.gz"))
    victim.unlink()
    report = _json_fail(fresh, "audit", "verify")
    assert not report["ok"] and any(p["kind"] == "file_missing" for p in report["problems"])


def _json_fail(home: Home, *args: str):
    res = _cli(home, *args, "--json")
    assert res.exit_code == 1, res.output
    return json.loads(res.output)


def test_archive_retention_moves_files_and_verify_still_finds_them(sqlite_home):
    home = sqlite_home
    home.drop("acme-parts", "a.x12", home.render("acme-parts", ship_notice("PO-1", "ASN-11")))
    _cli(home, "run", "--until-idle")
    engine = sa.create_engine(f"sqlite:///{home.root / 'gateway.db'}")
    with engine.begin() as conn:
        conn.execute(t.documents.update().values(
            updated_at=datetime.datetime(2020, 1, 1, tzinfo=datetime.timezone.utc)))
    engine.dispose()
    res = _cli(home, "archive", "retain", "--older-than", "30d")
    assert res.exit_code == 0 and "moved" in res.output
    assert list((home.root / "archive-export" / "objects").rglob("*.gz"))
    assert not list((home.root / "archive" / "objects").rglob("*.gz"))
    assert (home.root / "archive-export" / "MANIFEST.jsonl").read_text().count("retention") >= 1
    assert _cli(home, "audit", "verify").exit_code == 0  # moved, not deleted


def test_configuration_mistakes_name_the_file_line_and_fix(tmp_path):
    path = tmp_path / "gateway.yaml"
    path.write_text("store: sqlite:///x.db\nworker:\n  lease: 5 minutes\n")
    with pytest.raises(ConfigError) as err:
        load(path, os.environ)
    assert f"{path}:3:3: worker.lease" in str(err.value) and "30s, 5m" in str(err.value)
    path.write_text("stor: sqlite:///x.db\n")
    with pytest.raises(ConfigError) as err:
        load(path, os.environ)
    assert f"{path}:1:1: stor: unknown setting; did you mean 'store'?" in str(err.value)
    res = CliRunner().invoke(main, ["list", "--config", str(path)])
    assert res.exit_code == 2 and "did you mean 'store'" in res.output
