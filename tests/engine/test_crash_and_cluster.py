"""Crash safety and scale-out with real processes.

* kill -9: a worker is killed at random points while it processes 500 inbound documents
  and 40 outbound orders, restarted each time; in the end every document reached exactly one
  final state and had exactly one ERP effect, every acknowledgment is owed once, control
  numbers are unique, and the audit trail verifies.
* cluster: 4 `edi-gateway run` processes share one PostgreSQL store and 2,000 received
  documents; each document is processed exactly once (one commit of each step).
"""
from __future__ import annotations

import collections
import json
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import sqlalchemy as sa

from gateway.store import schema as t
from homes import Home, ship_notice

CLI = [sys.executable, "-c", "import sys; from cli import main; sys.exit(main())"]
ROOT = Path(__file__).resolve().parents[2]


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")
    return env


def _fill(home: Home, inbound: int, orders: int = 0) -> None:
    template = home.render("acme-parts", ship_notice("PO-T", "ASN-T"), number=1)
    for i in range(inbound):
        n = 10_000 + i
        data = (template.replace(b"000000001", f"{n:09d}".encode())
                .replace(b"ASN-T", f"ASN-{n}".encode()).replace(b"PO-T", f"PO-{n}".encode()))
        home.drop("acme-parts", f"asn-{n}.x12", data)
    for i in range(orders):
        home.order("acme-parts", f"PO-OUT-{i}", lines=1)
    old = time.time() - 60
    for p in (home.root / "erp" / "in").glob("*.json"):
        os.utime(p, (old, old))


def _run(home: Home, *extra: str) -> subprocess.Popen:
    return subprocess.Popen(CLI + ["run", "--until-idle", "--json", "--config",
                                   str(home.root / "gateway.yaml"), *extra],
                            cwd=home.root, env=_env(), stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE)


def _check_exactly_once(home: Home, url: str, inbound: int, orders: int) -> None:
    engine = sa.create_engine(url)
    d = t.documents.c
    with engine.connect() as conn:
        files = conn.execute(sa.select(sa.func.count()).select_from(t.files)).scalar()
        assert files == inbound
        by = collections.Counter((r.flow, r.status) for r in conn.execute(
            sa.select(d.flow, d.status)))
        assert by[("inbound", "translated")] == inbound, by
        assert by[("transaction", "delivered")] == inbound, by
        assert by[("outbound", "sent")] == inbound + orders, by  # 997s and purchase orders
        assert sum(by.values()) == 2 * inbound + inbound + orders, by
        # one commit of each step per document: never two workers, never twice after a crash
        steps = collections.Counter((r.document_id, r.kind) for r in conn.execute(
            sa.select(t.events.c.document_id, t.events.c.kind).where(
                t.events.c.kind.in_(["translate", "deliver", "render", "send"]))))
        assert steps and max(steps.values()) == 1
        keys = [r.key for r in conn.execute(sa.select(d.key).where(d.flow == "outbound"))]
        assert len(keys) == len(set(keys))
        numbers = [r.interchange_cn for r in conn.execute(sa.select(d.interchange_cn).where(
            d.flow == "outbound", d.doc_type == "purchase_order"))]
        assert len(numbers) == orders and len(set(numbers)) == orders
        erp = [json.loads(r.erp_result) for r in conn.execute(
            sa.select(d.erp_result).where(d.flow == "transaction"))]
    engine.dispose()
    written = list(home.erp_out("acme-parts").glob("*.json"))
    assert len(written) == inbound  # exactly one ERP effect per document
    orders_seen = {json.loads(p.read_text())["content"]["number"] for p in written}
    assert len(orders_seen) == inbound
    assert not [p for p in home.erp_out("acme-parts").iterdir() if p.name.startswith(".")]
    assert len(erp) == inbound
    assert not list(home.inbox("acme-parts").iterdir())


def test_kill_9_at_random_points_loses_nothing_and_applies_nothing_twice(tmp_path):
    inbound, orders = 500, 40
    home = Home(tmp_path / "home", lease="2s")
    _fill(home, inbound, orders)
    rng = random.Random(20261202)
    kills = 0
    for attempt in range(200):
        proc = _run(home)
        try:
            proc.wait(timeout=rng.uniform(0.8, 3.0))
        except subprocess.TimeoutExpired:
            proc.send_signal(signal.SIGKILL)
            proc.wait()
            kills += 1
            continue
        assert proc.returncode == 0, proc.stderr.read().decode()[-3000:]
        break
    else:
        pytest.fail("the gateway never finished")
    assert kills >= 5, f"only {kills} kills: the test did not exercise crashes"
    url = f"sqlite:///{home.root / 'gateway.db'}"
    _check_exactly_once(home, url, inbound, orders)
    out = subprocess.run(CLI + ["audit", "verify", "--config", str(home.root / "gateway.yaml")],
                         cwd=home.root, env=_env(), capture_output=True, text=True)
    assert out.returncode == 0, out.stdout + out.stderr
    assert "intact" in out.stdout


def test_four_workers_share_one_postgresql_store_and_process_each_document_once(tmp_path,
                                                                                 pg_url):
    inbound = int(os.environ.get("EDI_CLUSTER_DOCS", "2000"))
    home = Home(tmp_path / "home", pg_url)
    _fill(home, inbound)
    picked = subprocess.run(CLI + ["poll", "--once", "--no-process", "--config",
                                   str(home.root / "gateway.yaml")], cwd=home.root, env=_env(),
                            capture_output=True, text=True)
    assert picked.returncode == 0, picked.stderr
    assert f"{inbound} received" in picked.stdout
    procs = [_run(home) for _ in range(4)]
    for p in procs:
        assert p.wait(timeout=600) == 0, p.stderr.read().decode()[-3000:]
    _check_exactly_once(home, pg_url, inbound, 0)
    engine = sa.create_engine(pg_url)
    with engine.connect() as conn:
        workers = collections.Counter(
            json.loads(r.data).get("worker") for r in conn.execute(
                sa.select(t.events.c.data).where(t.events.c.kind == "translate")))
    engine.dispose()
    assert len([w for w in workers if w]) == 4, workers  # all four did part of the work
