"""The store on SQLite and PostgreSQL (and the in-memory one): schema and states enforced by
the database, claims, leases, control numbers under concurrency, backoff, dead letters."""
from __future__ import annotations

import datetime as dt
import socket
import subprocess
import sys
import threading

import pytest
import sqlalchemy as sa

from gateway import states
from gateway.store import Backoff, LostClaim, Store, StoreError
from gateway.store import schema as t
from gateway.store.store import current_revision, make_engine, migrate


def _doc(store: Store, key: str, **kw) -> int:
    with store.transaction() as conn:
        return store.insert_document(conn, key=key, flow=kw.pop("flow", "outbound"),
                                     status=kw.pop("status", "extracted"), partner="p",
                                     doc_type="purchase_order", **kw)


@pytest.fixture
def store(store_url):
    s = Store.open(store_url, lease=60)
    yield s
    s.close()


def test_migrations_are_idempotent_and_required(store_url):
    engine = make_engine(store_url)
    try:
        with pytest.raises(StoreError, match="edi-gateway db upgrade"):
            Store.open(store_url, upgrade=False)
        migrate(engine)
        migrate(engine)
        assert current_revision(engine) == t.HEAD
        Store.open(store_url, upgrade=False).close()
    finally:
        engine.dispose()


def test_the_database_refuses_unknown_statuses(store):
    for status in states.STATUSES:  # every status the table knows fits the CHECK constraint
        _doc(store, f"k-{status}", status=status)
    with pytest.raises(sa.exc.IntegrityError):
        _doc(store, "bad", status="almost_sent")
    with pytest.raises(sa.exc.IntegrityError):
        _doc(store, "bad2", ack_status="maybe")
    with pytest.raises(sa.exc.IntegrityError):
        _doc(store, "k-sent")  # keys are unique: an ERP event is recorded once


def test_transitions_follow_the_table(store):
    doc_id = _doc(store, "t1")
    doc = store.get(doc_id)
    with store.transaction() as conn:
        with pytest.raises(states.TransitionError, match="cannot 'send'"):
            store.transition(conn, doc, "send")
        assert store.transition(conn, doc, "render") == "rendered"
    with store.transaction() as conn:  # the stale copy still says extracted: refused
        with pytest.raises(LostClaim):
            store.transition(conn, doc, "render")
    assert store.get(doc_id)["status"] == "rendered"
    kinds = [e.kind for e in store.iter_events(document_id=doc_id)]
    assert kinds == ["render"]


def test_claims_are_exclusive_and_leases_expire(store_url):
    now = [dt.datetime(2026, 12, 2, 12, tzinfo=dt.timezone.utc)]
    store = Store.open(store_url, lease=60, clock=lambda: now[0])
    try:
        ids = [_doc(store, f"c{i}") for i in range(10)]
        got: list[list[int]] = []
        lock = threading.Lock()

        def worker(name: str) -> None:
            mine = [d["id"] for d in store.claim(name, limit=4)]
            with lock:
                got.append(mine)
        threads = [threading.Thread(target=worker, args=(f"w{i}",)) for i in range(4)]
        for th in threads:
            th.start()
        for th in threads:
            th.join()
        claimed = [i for g in got for i in g]
        assert sorted(claimed) == sorted(set(claimed)) and set(claimed) <= set(ids)
        assert len(claimed) == 10
        assert store.claim("late", limit=10) == []
        doc = store.get(ids[0])
        owner = doc["claimed_by"]
        now[0] += dt.timedelta(seconds=61)  # the owner died: its lease runs out
        taken = {d["id"]: d for d in store.claim("rescuer", limit=10)}
        assert ids[0] in taken
        with store.transaction() as conn, pytest.raises(LostClaim):
            store.transition(conn, doc, "render", worker=owner)  # too late for the old owner
        with store.transaction() as conn:
            store.transition(conn, taken[ids[0]], "render", worker="rescuer")
    finally:
        store.close()


def test_control_numbers_are_unique_under_concurrency_and_wrap(store):
    values: list[int] = []
    lock = threading.Lock()

    def allocate() -> None:
        for _ in range(25):
            v = store.next_control_number("acme", "ISA13")
            with lock:
                values.append(v)
    threads = [threading.Thread(target=allocate) for _ in range(4)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    assert sorted(values) == list(range(1, 101))
    assert store.next_control_number("other", "ISA13") == 1  # per partner
    store.set_control_number("acme", "GS06", 999_999_998)
    assert store.next_control_number("acme", "GS06") == 999_999_999
    assert store.next_control_number("acme", "GS06") == 1  # wraps, as X12 allows
    both = store.next_control_numbers("acme", {"ISA13": 999_999_999, "ST02": 999_999_999})
    assert both == {"ISA13": 101, "ST02": 1}


def test_backoff_grows_with_jitter_and_dead_letters_after_the_limit(store_url):
    backoff = Backoff(base=10, cap=100, max_attempts=3)
    assert [backoff.delay(n, lambda: 0.0) for n in (1, 2, 3, 4, 5)] == [5, 10, 20, 40, 50]
    assert [backoff.delay(n, lambda: 1.0) for n in (1, 2, 5)] == [10, 20, 100]
    now = dt.datetime(2026, 12, 2, 12, tzinfo=dt.timezone.utc)
    store = Store.open(store_url, backoff=backoff, clock=lambda: now, rng=lambda: 0.5)
    try:
        doc_id = _doc(store, "f1")
        for attempt in (1, 2):
            [doc] = store.claim("w", limit=1) or [store.get(doc_id)]
            if doc["claimed_by"] != "w":  # not due yet: take it as if time had passed
                with store.transaction() as conn:
                    conn.execute(t.documents.update().values(next_attempt_at=now))
                [doc] = store.claim("w", limit=1)
            assert store.fail(doc, "w", "ERP down") == "extracted"
            due = store.get(doc_id)["next_attempt_at"]
            assert due == now + dt.timedelta(seconds=backoff.delay(attempt, lambda: 0.5))
        with store.transaction() as conn:
            conn.execute(t.documents.update().values(next_attempt_at=now))
        [doc] = store.claim("w", limit=1)
        assert store.fail(doc, "w", "ERP down") == "dead"
        dead = store.get(doc_id)
        assert dead["dead_from"] == "extracted" and "gave up after 3 attempts" in dead["detail"]
    finally:
        store.close()


def test_leases_of_dead_processes_on_this_host_are_released(store):
    doc_id = _doc(store, "d1")
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    dead_owner = f"{socket.gethostname()}:{proc.pid}:deadbeef"
    store.claim(dead_owner, limit=1)
    assert store.get(doc_id)["claimed_by"] == dead_owner
    assert store.claim("other", limit=1) == []
    assert store.release_dead_claims() == 1
    assert [d["id"] for d in store.claim("other", limit=1)] == [doc_id]


def test_in_memory_store_has_the_same_interface():
    store = Store.memory()
    doc_id, dup = store.accept_file(partner="p", channel="folder:/in", name="a.x12",
                                    sha256="a" * 64, size=3, meta={})
    assert not dup and store.accept_file(partner="p", channel="folder:/in", name="a.x12",
                                         sha256="a" * 64, size=3, meta={}) == (doc_id, True)
    assert [d["id"] for d in store.claim("w")] == [doc_id]
    head = store.audit_head()
    assert head is not None and head[0] == 1


def test_upgrading_the_schema_keeps_the_data(store_url):
    engine = make_engine(store_url)
    try:
        migrate(engine, "0001")
        now = dt.datetime(2026, 12, 2, tzinfo=dt.timezone.utc)
        with engine.begin() as conn:
            conn.execute(sa.text(
                "INSERT INTO documents (flow, status, key, partner, doc_type, next_attempt_at, "
                "created_at, updated_at) VALUES ('outbound', 'sent', 'old/1', 'p', "
                "'purchase_order', :t, :t, :t)"), {"t": now})
        assert current_revision(engine) == "0001"
        migrate(engine)
        assert current_revision(engine) == t.HEAD
        store = Store(engine)
        [doc] = store.documents()
        assert doc["key"] == "old/1" and doc["receipt_due_at"] is None
    finally:
        engine.dispose()
