"""Shared driver for bench/x12.py and bench/edifact.py.

For each generated file: MB/s of a plain tokenizer baseline and of the full
translate path (read + envelope + schema validation + canonical mapping),
measured in the same process, best of N runs; beside it the same translate
path with the Python sources (``EDI_GATEWAY_PURE=1``, in a child process) when
the compiled translators are in use; then the peak RSS of a child process
translating a large file (memory must not grow with file size).
"""
from __future__ import annotations

import argparse
import os

import subprocess
import sys
import tempfile
import time
from typing import Callable

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))

from bench import data  # noqa: E402
from translators import _native, pipeline  # noqa: E402

MB = 1024 * 1024


def translate_file(path: str) -> int:
    count = 0
    with open(path, "rb") as fh:
        for item in pipeline.translate(fh):
            if item.document is not None:
                count += 1
    return count


def best_of(fn: Callable[[], object], runs: int) -> tuple[float, object]:
    best = float("inf")
    result: object = None
    for _ in range(runs):
        t0 = time.perf_counter()
        result = fn()
        best = min(best, time.perf_counter() - t0)
    return best, result


def child_peak(path: str) -> tuple[float, float, int]:
    """(seconds, peak RSS MB, documents) of translating path in a fresh process."""
    code = (
        "import sys, time, resource; sys.path.insert(0, sys.argv[2]);"
        "from bench.translate_bench import translate_file;"
        "t=time.perf_counter(); n=translate_file(sys.argv[1]); t=time.perf_counter()-t;"
        "print(t, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss/1024, n)"
    )
    out = subprocess.run([sys.executable, "-c", code, path, os.path.dirname(HERE)],
                         check=True, capture_output=True, text=True).stdout.split()
    return float(out[0]), float(out[1]), int(out[2])


_PURE_CHILD = """
import sys, time
sys.path.insert(0, sys.argv[2])
from bench.translate_bench import translate_file
from translators import _native
assert not _native.STATE[0], _native.STATE
times = []
for _ in range(int(sys.argv[3])):
    t = time.perf_counter()
    translate_file(sys.argv[1])
    times.append(time.perf_counter() - t)
print(min(times))
"""


def pure_seconds(path: str, runs: int) -> float:
    """Best of ``runs`` translations of path with the Python sources, in a child process."""
    env = dict(os.environ, EDI_GATEWAY_PURE="1")
    out = subprocess.run([sys.executable, "-c", _PURE_CHILD, path, os.path.dirname(HERE), str(runs)],
                         check=True, capture_output=True, text=True, env=env).stdout
    return float(out)


def idle_rss() -> float:
    code = ("import resource, translators.pipeline, translators.x12, translators.edifact;"
            "print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss/1024)")
    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True,
                         text=True, cwd=os.path.dirname(HERE)).stdout
    return float(out)


def main(kinds: list[str], baseline: Callable[[str], int], argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--size-mb", type=float, default=10.0)
    ap.add_argument("--big-mb", type=float, default=200.0, help="file size for the memory run")
    ap.add_argument("--runs", type=int, default=3)
    args = ap.parse_args(argv)
    compiled = _native.STATE[0]
    print(f"translators: {'compiled (mypyc)' if compiled else 'Python sources'} "
          f"({_native.STATE[1]})")
    with tempfile.TemporaryDirectory() as tmp:
        print(f"{'file':<16}{'MB':>7}{'docs':>8}{'baseline MB/s':>15}{'translate MB/s':>16}"
              f"{'ratio':>7}" + (f"{'pure MB/s':>11}{'speed-up':>10}" if compiled else ""))
        for kind in kinds:
            path = os.path.join(tmp, f"{kind}.edi")
            with open(path, "wb") as fh:
                data.GENERATORS[kind](fh, int(args.size_mb * MB))
            size = os.path.getsize(path) / MB
            # interleaved (baseline, translate, pure translate) rounds, best of each: the
            # machine's speed drifts, and the ratios should compare like with like
            tb = tt = tp = float("inf")
            docs: object = 0
            for _ in range(args.runs):
                tb = min(tb, best_of(lambda: baseline(path), 1)[0])
                t, docs = best_of(lambda: translate_file(path), 1)
                tt = min(tt, t)
                if compiled:
                    tp = min(tp, pure_seconds(path, 1))
            extra = f"{size / tp:>11.1f}{tp / tt:>9.2f}x" if compiled else ""
            print(f"{kind:<16}{size:>7.1f}{docs:>8}{size / tb:>15.1f}{size / tt:>16.1f}"
                  f"{tb / tt:>7.2f}" + extra)
        print()
        base_rss = idle_rss()
        for kind in kinds:
            path = os.path.join(tmp, f"{kind}-big.edi")
            with open(path, "wb") as fh:
                data.GENERATORS[kind](fh, int(args.big_mb * MB))
            size = os.path.getsize(path) / MB
            secs, peak, docs = child_peak(path)
            os.unlink(path)
            print(f"{kind}: {size:.0f} MB, {docs} documents in {secs:.1f} s "
                  f"({size / secs:.1f} MB/s); peak RSS {peak:.1f} MB "
                  f"(interpreter + imports alone: {base_rss:.1f} MB)")

