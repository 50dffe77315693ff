"""X12 reader micro-benchmark: throughput and peak memory.

    python bench/x12_reader.py [--size-mb 10] [--big-mb 100] [--runs 3]

Prints MB/s for the reader alone, reader + envelope validation, and the
plain str.split baseline on a generated 850 interchange (bench/data.py), then
the tracemalloc peak while streaming a big file through reader + envelope.
"""
from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
import tracemalloc
from typing import Callable

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from bench import data  # noqa: E402
from translators.x12.envelope import validate_envelope  # noqa: E402
from translators.x12.reader import X12Reader  # noqa: E402

MB = 1024 * 1024


def read_only(path: str) -> int:
    reader = X12Reader()
    n = 0
    for block in data.chunks(path):
        n += len(reader.feed(block))
    return n + len(reader.close())


def with_envelope(path: str) -> int:
    def events():
        reader = X12Reader()
        for block in data.chunks(path):
            yield from reader.feed(block)
        yield from reader.close()
    n = 0
    for _ in validate_envelope(events()):
        n += 1
    return n


def baseline(path: str) -> int:
    segments = 0
    tail = ""
    for block in data.chunks(path):
        text = tail + block.decode("latin-1")
        parts = text.split("~")
        tail = parts.pop()
        for seg in parts:
            if seg.strip().split("*"):
                segments += 1
    return segments


def best(fn: Callable[[str], int], path: str, runs: int) -> tuple[float, float, int]:
    """Best wall-clock and best CPU seconds (CPU time is robust to a busy box)."""
    wall, cpu, result = float("inf"), float("inf"), 0
    for _ in range(runs):
        t0, c0 = time.perf_counter(), time.process_time()
        result = fn(path)
        wall = min(wall, time.perf_counter() - t0)
        cpu = min(cpu, time.process_time() - c0)
    return wall, cpu, result


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--size-mb", type=float, default=10.0)
    ap.add_argument("--big-mb", type=float, default=100.0)
    ap.add_argument("--runs", type=int, default=3)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "850.edi")
        with open(path, "wb") as fh:
            data.write_x12_850(fh, int(args.size_mb * MB))
        size = os.path.getsize(path) / MB
        for name, fn in (("str.split baseline", baseline), ("X12Reader", read_only),
                         ("X12Reader + envelope", with_envelope)):
            wall, cpu, count = best(fn, path, args.runs)
            print(f"{name:<22}{size:6.1f} MB  wall {size / wall:7.1f} MB/s  "
                  f"cpu {size / cpu:7.1f} MB/s  ({count} items)")
        if args.big_mb > 0:
            big = os.path.join(tmp, "big.edi")
            with open(big, "wb") as fh:
                data.write_x12_850(fh, int(args.big_mb * MB))
            tracemalloc.start()
            t0 = time.perf_counter()
            count = with_envelope(big)
            seconds = time.perf_counter() - t0
            _, peak = tracemalloc.get_traced_memory()
            tracemalloc.stop()
            big_mb = os.path.getsize(big) / MB
            print(f"memory: {big_mb:.0f} MB through reader + envelope, {count} events, "
                  f"tracemalloc peak {peak / MB:.2f} MB ({seconds:.1f} s under tracemalloc)")


if __name__ == "__main__":
    main()
