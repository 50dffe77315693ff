"""SFTP pickup throughput (issue 7) against a real local OpenSSH sshd.

    python bench/transport_sftp.py [--files 1000] [--partners 10]

Figures: time to pick up N small files from one inbox (list, download, accept, move to the
archive), and files/s with 10 partners polled by poll_many (concurrency 4).  Baseline in the
same run: a plain paramiko listdir + getfo + rename loop over one connection.
"""
from __future__ import annotations

import argparse
import hashlib
import io
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests" / "mailbox"))

import paramiko  # noqa: E402

from edi_mailbox.base import Accepted  # noqa: E402
from edi_mailbox.sftp import SftpMailbox, poll_many  # noqa: E402
from gateway.profiles.model import SftpTransport  # noqa: E402
from gateway.profiles.secrets import parse_ref  # noqa: E402
from sshd import Sshd  # noqa: E402

DOC = b"ISA*00*          *00*          *ZZ*ACME*ZZ*US*261202*1200*U*00401*000000001*0*P*>~" * 4


def fill(srv: Sshd, box: str, n: int) -> None:
    srv.mkdir(f"{box}/in")
    srv.mkdir(f"{box}/archive")
    old = time.time() - 3600
    for i in range(n):
        srv.put(f"{box}/in/f{i:05d}.edi", DOC + str(i).encode(), mtime=old)


def mailbox(srv: Sshd, box: str) -> SftpMailbox:
    s = SftpTransport(host="127.0.0.1", port=srv.port, user=srv.user, key=parse_ref("env:K"),
                      host_key=srv.host_key, inbox=f"{box}/in", outbox=f"{box}/out",
                      archive=f"{box}/archive")
    return SftpMailbox(box, s, env={"K": srv.client_keys["ed25519"]}, base_dir=Path("."),
                       settle_seconds=5)


def accept(item):
    hashlib.sha256(item.data).hexdigest()
    return Accepted(document_id=item.name)


def baseline(srv: Sshd, box: str) -> int:
    t = paramiko.Transport(("127.0.0.1", srv.port))
    t.connect(username=srv.user,
              pkey=paramiko.Ed25519Key.from_private_key(io.StringIO(srv.client_keys["ed25519"])))
    sftp = paramiko.SFTPClient.from_transport(t)
    n = 0
    for name in sftp.listdir(f"{box}/in"):
        buf = io.BytesIO()
        sftp.getfo(f"{box}/in/{name}", buf)
        accept(type("F", (), {"data": buf.getvalue(), "name": name}))
        sftp.rename(f"{box}/in/{name}", f"{box}/archive/{name}")
        n += 1
    t.close()
    return n


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--files", type=int, default=1000)
    ap.add_argument("--partners", type=int, default=10)
    args = ap.parse_args()
    srv = Sshd()
    try:
        fill(srv, "base", args.files)
        t0 = time.perf_counter()
        nb = baseline(srv, "base")
        tb = time.perf_counter() - t0

        fill(srv, "one", args.files)
        mb = mailbox(srv, "one")
        t0 = time.perf_counter()
        report = mb.poll(accept)
        t1 = time.perf_counter() - t0
        mb.close()
        print(f"one inbox, {args.files} files: SftpMailbox {t1:.2f}s ({report.received/t1:.0f} "
              f"files/s); baseline paramiko loop {tb:.2f}s ({nb/tb:.0f} files/s); "
              f"ratio {t1/tb:.2f}x")

        per = args.files // args.partners
        boxes = [f"p{i}" for i in range(args.partners)]
        for b in boxes:
            fill(srv, b, per)
        mbs = [mailbox(srv, b) for b in boxes]
        t0 = time.perf_counter()
        results = poll_many(mbs, accept, concurrency=4, deadline=600)
        t2 = time.perf_counter() - t0
        got = sum(r.report.received for r in results.values() if r.report)
        for m in mbs:
            m.close()
        print(f"{args.partners} partners x {per} files, poll_many concurrency 4: {t2:.2f}s, "
              f"{got/t2:.0f} files/s (received {got}); baseline single loop {nb/tb:.0f} files/s")
    finally:
        srv.cleanup()


if __name__ == "__main__":
    main()
