"""Whole-pipeline inbound throughput: folder mailbox -> archive -> store -> translate ->
997 -> files ERP connector, as `edi-gateway run` processes (the real command).

    python bench/engine.py [--small N] [--big-mb M] [--postgres URL] [--skip-big]

Scenarios (each in fresh processes; peak RSS is the largest worker's):
  * N small 856 files (default 1,000), SQLite, 1 worker
  * one interchange of M MB (default 50) holding 856s of ~50 KB each, SQLite, 1 worker
  * the same on PostgreSQL with 1 and 4 workers (URL from --postgres or
    $EDI_TEST_POSTGRES_URL; a scratch schema is created and dropped)

Baseline, in this process: translators.pipeline.translate over the same bytes (parse,
validate, map; no archive, store, acks or ERP), so ``ratio`` = engine time / translate time
shows what durability costs.  For comparison, Bots documents 60-153 KB/s for its engine.
"""
from __future__ import annotations

import argparse
import io
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from gateway.quickstart import SAMPLES, create_home, render_as_partner  # noqa: E402
from translators import pipeline  # noqa: E402

CLI = [sys.executable, "-c", "import sys; from cli import main; sys.exit(main())"]

CONFIG = """\
store: {store}
connector: {{type: files, out: erp/out, in: erp/in}}
worker: {{lease: 5m, batch: 16, idle: 1s, extract_every: 1h}}
retention: {{archive_after: 4000d}}
"""


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")
    return env


def _home(root: Path, store: str) -> Path:
    create_home(root)
    for inbox in (root / "mailboxes").glob("*/in"):
        for f in inbox.iterdir():
            f.unlink()
    (root / "erp" / "in" / "purchase-orders.json").unlink()
    (root / "gateway.yaml").write_text(CONFIG.format(store=store), encoding="utf-8")
    return root


def _asn(items: int) -> dict:
    body = json.loads((SAMPLES / "documents" / "acme-parts-856.json").read_text())
    pack = body["content"]["orders"][0]["packs"][0]
    base = pack["items"][0]
    pack["items"] = [dict(base, line_number=str(i + 1), lot=f"L{i:06d}") for i in range(items)]
    return body


def small_files(n: int) -> list[bytes]:
    profile = SAMPLES / "profiles" / "acme-parts.yaml"
    template = render_as_partner(profile, _asn(2), 1)
    return [template.replace(b"000000001", f"{10_000 + i:09d}".encode())
            .replace(b"ASN-55001", f"ASN-{i}".encode()) for i in range(n)]


def big_interchange(megabytes: int) -> bytes:
    """One ISA..IEA with many ~50 KB 856 transactions, about ``megabytes`` MB."""
    profile = SAMPLES / "profiles" / "acme-parts.yaml"
    one = render_as_partner(profile, _asn(600), 1).decode()
    head, rest = one.split("ST*856*", 1)
    body, tail = rest.rsplit("GE*", 1)
    transaction = "ST*856*" + body
    isa, gs = head.split("GS*", 1)
    size = len(transaction)
    count = max(1, megabytes * 1_000_000 // size)
    parts = [isa, "GS*", gs]
    for i in range(count):
        cn = f"{i + 1:04d}"
        body_i = transaction.replace("ST*856*0001~", f"ST*856*{cn}~", 1)
        se = body_i.rindex("SE*")
        body_i = body_i[:se] + body_i[se:].replace("*0001~", f"*{cn}~", 1)
        parts.append(body_i.replace("ASN-55001", f"ASN-{i}"))
    gs06 = gs.split("*")[5]
    parts.append(f"GE*{count}*{gs06}~\n")
    parts.append(tail.split("~", 1)[1].lstrip("\n"))
    return "".join(parts).encode()


def _hwm_kb(pid: int) -> int:
    """VmHWM of a running process: its own peak RSS (ru_maxrss of a child would include the
    parent's memory at fork time)."""
    try:
        with open(f"/proc/{pid}/status") as fh:
            for line in fh:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def _wait(procs: list[subprocess.Popen]) -> int:
    peak = 0
    while any(p.poll() is None for p in procs):
        for p in procs:
            peak = max(peak, _hwm_kb(p.pid))
        time.sleep(0.05)
    for p in procs:
        if p.returncode != 0:
            err = p.stderr.read().decode()[-2000:] if p.stderr else ""
            raise SystemExit(f"worker failed: {err}")
    return peak


def run_engine(files: list[tuple[str, bytes]], store: str, workers: int, scratch: Path) -> dict:
    home = _home(scratch / uuid.uuid4().hex[:8], store)
    inbox = home / "mailboxes" / "acme-parts" / "in"
    old = time.time() - 60
    for name, data in files:
        (inbox / name).write_bytes(data)
        os.utime(inbox / name, (old, old))
    cfg = ["--config", str(home / "gateway.yaml")]
    # the schema is created outside the timing
    subprocess.run(CLI + ["db", "upgrade", *cfg], env=_env(), check=True,
                   stdout=subprocess.DEVNULL)
    start = time.perf_counter()
    peak = 0
    if workers > 1:
        p = subprocess.Popen(CLI + ["poll", "--once", "--no-process", *cfg], env=_env(),
                             stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        peak = _wait([p])
    procs = [subprocess.Popen(CLI + ["run", "--until-idle", "--json", *cfg], env=_env(),
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
             for _ in range(workers)]
    peak = max(peak, _wait(procs))
    elapsed = time.perf_counter() - start
    delivered = len(list((home / "erp" / "out" / "acme-parts").glob("*.json")))
    shutil.rmtree(home, ignore_errors=True)
    return {"seconds": elapsed, "peak_rss_mb": peak / 1024, "delivered": delivered}


def baseline(files: list[tuple[str, bytes]]) -> float:
    start = time.perf_counter()
    for _, data in files:
        for _item in pipeline.translate(io.BytesIO(data)):
            pass
    return time.perf_counter() - start


def _pg_schema(url: str):
    import sqlalchemy as sa
    name = "bench_" + uuid.uuid4().hex[:10]
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        conn.exec_driver_sql(f"CREATE SCHEMA {name}")
    engine.dispose()
    sep = "&" if "?" in url else "?"
    return name, f"{url}{sep}options=-csearch_path%3D{name}"


def _drop_pg(url: str, name: str) -> None:
    import sqlalchemy as sa
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        conn.exec_driver_sql(f"DROP SCHEMA {name} CASCADE")
    engine.dispose()


def report(label: str, files: list[tuple[str, bytes]], result: dict, base: float,
           transactions: int) -> None:
    size = sum(len(d) for _, d in files)
    secs = result["seconds"]
    print(f"{label:<34} {len(files):>6} files {size / 1e6:8.2f} MB  {secs:7.2f} s  "
          f"{len(files) / secs:8.1f} files/s  {transactions / secs:8.1f} docs/s  "
          f"{size / secs / 1e3:9.1f} KB/s  peak RSS {result['peak_rss_mb']:6.1f} MB  "
          f"translate-only {base:6.2f} s  ratio {secs / base:5.1f}x")
    if result["delivered"] != transactions:
        print(f"  !! delivered {result['delivered']} of {transactions}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--small", type=int, default=1000)
    ap.add_argument("--big-mb", type=int, default=50)
    ap.add_argument("--skip-big", action="store_true")
    ap.add_argument("--postgres", default=os.environ.get("EDI_TEST_POSTGRES_URL"))
    args = ap.parse_args()
    scratch = Path(tempfile.mkdtemp(prefix="edi-bench-"))
    try:
        small = [(f"asn-{i}.x12", d) for i, d in enumerate(small_files(args.small))]
        big = [] if args.skip_big else [("big.x12", big_interchange(args.big_mb))]
        big_tx = big[0][1].count(b"~ST*") + big[0][1].count(b"\nST*") if big else 0
        base_small = baseline(small)
        base_big = baseline(big) if big else 0.0
        print(f"inbound pipeline, {os.cpu_count()} CPUs; Bots documents 60-153 KB/s for its "
              "full engine")
        sqlite = lambda: f"sqlite:///{scratch / uuid.uuid4().hex[:8]}.db"  # noqa: E731
        report("small 856 files, SQLite, 1 worker", small,
               run_engine(small, sqlite(), 1, scratch), base_small, len(small))
        if big:
            report(f"{args.big_mb} MB interchange, SQLite, 1 worker", big,
                   run_engine(big, sqlite(), 1, scratch), base_big, big_tx)
        if args.postgres:
            for workers in (1, 4):
                name, url = _pg_schema(args.postgres)
                try:
                    report(f"small 856 files, PostgreSQL, {workers} worker{'s' * (workers > 1)}",
                           small, run_engine(small, url, workers, scratch), base_small,
                           len(small))
                finally:
                    _drop_pg(args.postgres, name)
            if big:
                name, url = _pg_schema(args.postgres)
                try:
                    report(f"{args.big_mb} MB interchange, PostgreSQL, 1 worker", big,
                           run_engine(big, url, 1, scratch), base_big, big_tx)
                finally:
                    _drop_pg(args.postgres, name)
        else:
            print("(PostgreSQL scenarios skipped: pass --postgres URL or set EDI_TEST_POSTGRES_URL)")
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    main()
