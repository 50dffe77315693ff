"""SFTP transport against a real OpenSSH sshd started by the tests."""
from __future__ import annotations

import os
import hashlib
import socket
import threading
import time
from pathlib import Path

import paramiko
import pytest

from edi_mailbox.base import Accepted
from edi_mailbox.sftp import SftpMailbox, poll_many
from gateway.errors import PermanentError, SecurityError, TransientError
from gateway.profiles.model import SftpTransport
from gateway.profiles.secrets import parse_ref

if not os.path.exists("/usr/sbin/sshd"):
    pytest.skip("/usr/sbin/sshd is not installed (apt-get install openssh-server)",
                allow_module_level=True)

import sys  # noqa: E402
sys.path.insert(0, str(Path(__file__).resolve().parent))
from sshd import Sshd  # noqa: E402


@pytest.fixture(scope="module")
def server():
    srv = Sshd()
    yield srv
    srv.cleanup()


@pytest.fixture
def box(server, request):
    name = request.node.name.replace("[", "_").replace("]", "")
    for sub in ("in", "out"):
        server.mkdir(f"{name}/{sub}")
    return name


class Store:
    """Stands in for the engine: idempotent on (partner, channel, name, sha256)."""

    def __init__(self):
        self.docs: dict[tuple, bytes] = {}
        self.calls = 0

    def __call__(self, item):
        import hashlib
        self.calls += 1
        key = (item.partner, item.channel, item.name, hashlib.sha256(item.read()).hexdigest())
        dup = key in self.docs
        self.docs[key] = item.read()
        return Accepted(document_id=str(len(self.docs)), duplicate=dup)


def make(server, box, *, kind="ed25519", host_key=None, port=None, archive="archive",
         security=None, **kw) -> SftpMailbox:
    settings = SftpTransport(host="127.0.0.1", port=port or server.port, user=server.user,
                             key=parse_ref("env:SFTP_KEY"), host_key=host_key or server.host_key,
                             inbox=f"{box}/in", outbox=f"{box}/out",
                             archive=f"{box}/{archive}" if archive else None)
    kw.setdefault("settle_seconds", 0)
    kw.setdefault("connect_timeout", 3)
    return SftpMailbox("acme", settings, env={"SFTP_KEY": server.client_keys[kind]},
                       base_dir=Path("."), security=security, **kw)


@pytest.mark.parametrize("kind", ["ed25519", "rsa"])
def test_key_auth_and_pickup_to_archive(server, box, kind):
    server.put(f"{box}/in/a.edi", b"ISA*one~")
    server.put(f"{box}/in/b.edi.part", b"partial")
    server.put(f"{box}/in/c.tmp", b"partial")
    server.put(f"{box}/in/d.filepart", b"partial")
    store = Store()
    mb = make(server, box, kind=kind)
    report = mb.poll(store)
    mb.close()
    assert report.received == 1 and report.skipped == 3 and not report.errors
    (item,) = store.docs.values()
    assert item == b"ISA*one~"
    assert sorted(os.listdir(server.root / box / "in")) == ["b.edi.part", "c.tmp", "d.filepart"]
    assert os.listdir(server.root / box / "archive") == ["a.edi"]


def test_delete_when_no_archive_and_growing_file_waits(server, box):
    server.put(f"{box}/in/x.edi", b"X")
    store = Store()
    mb = make(server, box, archive=None, settle_seconds=3600)
    assert mb.poll(store).skipped == 1 and store.calls == 0  # first sight: may still grow
    assert mb.poll(store).received == 1
    assert os.listdir(server.root / box / "in") == []
    mb.close()


def test_host_key_mismatch_refused_and_reported(server, box, tmp_path):
    other = paramiko.Ed25519Key.from_private_key_file  # noqa: F841 (documenting the type)
    os.system(f"ssh-keygen -q -N '' -t ed25519 -f {tmp_path}/k")
    wrong = " ".join((tmp_path / "k.pub").read_text().split()[:2])
    events = []
    server.put(f"{box}/in/a.edi", b"A")
    mb = make(server, box, host_key=wrong, security=lambda *a: events.append(a))
    with pytest.raises(SecurityError) as err:
        mb.poll(Store())
    assert err.value.kind == "host_key_mismatch"
    assert "host key mismatch" in str(err.value)
    assert events and events[0][0] == "acme" and events[0][1].startswith("sftp:")
    assert os.listdir(server.root / box / "in") == ["a.edi"]


def test_crash_between_accept_and_move(server, box, monkeypatch):
    server.put(f"{box}/in/a.edi", b"A")
    store = Store()

    class Crash(BaseException):
        pass

    mb = make(server, box)
    monkeypatch.setattr(mb, "_dispose", lambda *a: (_ for _ in ()).throw(Crash()))
    with pytest.raises(Crash):
        mb.poll(store)
    mb.close()
    assert os.listdir(server.root / box / "in") == ["a.edi"] and len(store.docs) == 1
    mb2 = make(server, box)
    report = mb2.poll(store)
    mb2.close()
    assert report.received == 0 and store.calls == 2 and len(store.docs) == 1
    assert os.listdir(server.root / box / "in") == []
    assert os.listdir(server.root / box / "archive") == ["a.edi"]


def test_vanished_during_download_is_refused(server, box, monkeypatch):
    path = server.put(f"{box}/in/a.edi", b"A" * 100000)
    store = Store()
    mb = make(server, box)
    real_open = paramiko.SFTPClient.open

    def open_then_remove(self, name, mode="r", *a, **k):
        fh = real_open(self, name, mode, *a, **k)
        if name.endswith("a.edi") and "r" in mode:
            path.unlink()
        return fh

    monkeypatch.setattr(paramiko.SFTPClient, "open", open_then_remove)
    report = mb.poll(store)
    mb.close()
    assert store.calls == 0 and report.received == 0
    assert any("vanished during download" in e for e in report.errors)


def test_unsafe_names(server, box):
    server.put(f"{box}/in/x\\..\\evil.edi", b"E")
    store = Store()
    mb = make(server, box)
    report = mb.poll(store)
    assert store.calls == 0 and any("directory part" in e for e in report.errors)
    with pytest.raises(PermanentError, match="directory part"):
        mb.send("../escape.edi", b"x")
    mb.close()


def test_send_temp_name_rename_and_size(server, box):
    mb = make(server, box)
    result = mb.send("po1.edi", b"ISA*850~" * 1000)
    assert result.transport_id == f"{box}/out/po1.edi" and result.size == 8000
    assert os.listdir(server.root / box / "out") == ["po1.edi"]
    assert mb.send("po1.edi", b"ISA*850~" * 1000).size == 8000  # identical resend is fine
    with pytest.raises(PermanentError, match="already exists"):
        mb.send("po1.edi", b"different")
    assert (server.root / box / "out" / "po1.edi").read_bytes() == b"ISA*850~" * 1000
    mb.close()


def test_upload_is_fsynced_on_openssh(server, box, monkeypatch):
    import edi_mailbox.sftp as sftp_mod
    mb = make(server, box)
    sftp = mb.connect()
    with sftp.open(f"{box}/out/probe.tmp", "wb") as fh:
        fh.write(b"x")
        assert sftp_mod.remote_fsync(sftp, fh) is True  # OpenSSH offers fsync@openssh.com
    stale = fh  # closed: the server refuses the handle and we report "not synced"
    assert sftp_mod.remote_fsync(sftp, stale) is False
    sftp.remove(f"{box}/out/probe.tmp")
    calls = []
    real = sftp_mod.remote_fsync
    monkeypatch.setattr(sftp_mod, "remote_fsync",
                        lambda c, f: calls.append(f.handle) or real(c, f))
    mb.send("po2.edi", b"ISA*850~")
    assert len(calls) == 1 and (server.root / box / "out" / "po2.edi").read_bytes() == b"ISA*850~"
    mb.close()


def test_reconnect_after_sshd_restart(server, box):
    mb = make(server, box, backoff=0.2)
    server.put(f"{box}/in/a.edi", b"A")
    store = Store()
    assert mb.poll(store).received == 1
    server.stop()
    server.start()
    server.put(f"{box}/in/b.edi", b"B")
    assert mb.poll(store).received == 1
    mb.close()


def test_poll_many_dead_partners_do_not_stall(server, box):
    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen(5)
    dead = socket.socket()
    dead.bind(("127.0.0.1", 0))
    dead_port = dead.getsockname()[1]
    dead.close()
    server.put(f"{box}/in/a.edi", b"A")
    good = make(server, box)
    refused = make(server, box, port=dead_port, retries=0)
    refused.partner = "refused"
    hang = make(server, box, port=silent.getsockname()[1], connect_timeout=2, retries=0)
    hang.partner = "hang"
    start = time.monotonic()
    results = poll_many([hang, refused, good], Store(), concurrency=3, deadline=20)
    elapsed = time.monotonic() - start
    silent.close()
    assert results["acme"].report is not None and results["acme"].report.received == 1
    assert "cannot connect" in results["refused"].error
    assert results["hang"].error and "hang" not in results["acme"].__repr__()
    assert elapsed < 15
    good.close()


def test_download_streams_through_a_spool_file_that_is_removed(server, box, tmp_path):
    big = (b"ISA*" + b"x" * 1000 + b"~\n") * 3000  # ~3 MB, several chunks
    server.put(f"{box}/in/big.edi", big)
    spool = tmp_path / "spool"
    spool.mkdir()
    seen = []

    def accept(item):
        # the bytes are in a local spool file, read in chunks; nothing is held in memory
        assert item.data == b"" and item.path is not None and item.size == len(big)
        assert os.path.dirname(item.path) == str(spool)
        seen.append(hashlib.sha256(b"".join(item.chunks(1 << 16))).hexdigest())
        return Accepted(document_id="1")

    mb = make(server, box, spool_dir=spool)
    report = mb.poll(accept)
    mb.close()
    assert report.received == 1 and seen == [hashlib.sha256(big).hexdigest()]
    assert os.listdir(spool) == []  # spool removed once accepted
    assert os.listdir(server.root / box / "archive") == ["big.edi"]


def test_spool_removed_when_accept_fails(server, box, tmp_path):
    server.put(f"{box}/in/a.edi", b"A" * 5000)
    spool = tmp_path / "spool"
    spool.mkdir()

    def accept(item):
        raise RuntimeError("store down")

    mb = make(server, box, spool_dir=spool)
    report = mb.poll(accept)
    mb.close()
    assert report.received == 0 and any("store down" in e for e in report.errors)
    assert os.listdir(spool) == [] and os.listdir(server.root / box / "in") == ["a.edi"]
