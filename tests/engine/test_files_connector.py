"""The embedded files ERP connector: atomic, idempotent delivery; watermarked extraction."""
import json
import os
from pathlib import Path

import pytest

from gateway.connectors.base import AckNotice, Delivery
from gateway.connectors.files import FilesConnector, safe_name
from gateway.errors import PermanentError
from translators import canonical, pipeline

SAMPLE = Path(__file__).resolve().parents[2] / "translators" / "samples" / "850-004010.x12"


@pytest.fixture()
def order() -> canonical.Document:
    with open(SAMPLE, "rb") as fh:
        docs = [i.document for i in pipeline.translate(fh) if i.document is not None]
    assert docs
    return docs[0]


@pytest.fixture()
def conn(tmp_path: Path) -> FilesConnector:
    return FilesConnector.from_config({}, profiles=lambda n: None, base_dir=tmp_path, env={})


def test_deliver_writes_once_and_replays(conn, order, tmp_path):
    first = conn.deliver(Delivery("doc-1", "acme-parts", order, {"standard": "x12"}))
    path = Path(first.erp_refs["file"])
    assert not first.replayed and path.parent == tmp_path / "erp" / "out" / "acme-parts"
    body = json.loads(path.read_text())
    assert body["key"] == "doc-1" and body["type"] == "purchase_order"
    assert canonical.document_from_dict(body) == order
    mtime = path.stat().st_mtime_ns
    again = conn.deliver(Delivery("doc-1", "acme-parts", order))
    assert again.replayed and path.stat().st_mtime_ns == mtime
    assert len(list(path.parent.iterdir())) == 1  # no temporary file left behind


def test_restart_after_a_kill_mid_write_removes_the_dead_writers_temp(conn, order, tmp_path):
    import subprocess
    import sys
    dead_pid = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                              capture_output=True, text=True, check=True).stdout.strip()
    target = conn.delivered_path("acme-parts", "doc-9")
    target.parent.mkdir(parents=True)
    dead = target.with_name(f".{target.name}.{dead_pid}.tmp")  # killed before its rename
    dead.write_bytes(b'{"half')
    live = target.with_name(f".{safe_name('doc-10')}.{os.getppid()}.tmp")  # still writing
    live.write_bytes(b"{")
    again = FilesConnector.from_config({}, profiles=lambda n: None, base_dir=tmp_path, env={})
    assert not dead.exists() and live.exists()
    result = again.deliver(Delivery("doc-9", "acme-parts", order))
    assert not result.replayed and json.loads(target.read_text())["key"] == "doc-9"


def test_keys_never_collide_on_file_names():
    assert safe_name("a/b") != safe_name("a_b")
    assert "/" not in safe_name("../../etc/passwd")


def test_extract_with_watermark_and_rejects_bad_files(conn, order):
    doc = {"partner": "acme-parts", "key": "po/42", **canonical.document_to_dict(order)}
    (conn.in_dir / "a.json").write_text(json.dumps(doc))
    (conn.in_dir / "bad.json").write_text("{not json")
    (conn.in_dir / "c.json").write_text(json.dumps({**doc, "key": None, "partner": "nobody"}))
    found, mark = conn.extract(["acme-parts"], None)
    assert [o.key for o in found] == ["po/42"] and found[0].document == order
    rejected = conn.in_dir / "rejected"
    assert sorted(p.name for p in rejected.iterdir()) == [
        "bad.json", "bad.json.error.txt", "c.json", "c.json.error.txt"]
    assert "nobody" in (rejected / "c.json.error.txt").read_text()
    assert conn.extract(["acme-parts"], mark) == ([], mark)
    (conn.in_dir / "d.json").write_text(json.dumps({**doc, "key": None}))
    os.utime(conn.in_dir / "d.json", ns=(10**19, 10**19))
    later, mark2 = conn.extract(["acme-parts"], mark)
    assert len(later) == 1 and later[0].key.startswith("files/d.json/") and mark2 > mark


def test_outbound_for_finds_by_kind_and_number(conn, order):
    doc = {"partner": "acme-parts", **canonical.document_to_dict(order)}
    (conn.in_dir / "po.json").write_text(json.dumps([doc]))
    assert len(conn.outbound_for("po", order.number)) == 1
    assert conn.outbound_for("asn", order.number) == []
    with pytest.raises(PermanentError, match="unknown kind"):
        conn.outbound_for("invoice", "1")


def test_notices_are_appended(conn):
    conn.acknowledged(AckNotice("po/42", "acme-parts", "functional_ack", "accepted"))
    line = json.loads((conn.out_dir / "notices.jsonl").read_text().splitlines()[0])
    assert line["notice"] == "acknowledged" and line["status"] == "accepted"
