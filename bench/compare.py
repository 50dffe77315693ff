"""Translate throughput of this checkout beside another build, in alternating child processes.

    python bench/compare.py BEFORE_ROOT [--kinds x12-850 x12-856] [--rounds 6] [--size-mb 10]

BEFORE_ROOT is another checkout of the project with its extensions built in place
(``python setup.py build_ext --inplace``: mypyc and the C extensions), for example a
``git worktree`` of an older commit.  Each round runs one child per build; a child times the
plain ``str.split`` tokenizer baseline of bench/x12.py and the full translate path on the
same generated file, best of two, so every ratio compares like with like on a machine whose
speed drifts.  Printed: the best MB/s of each build, the baseline ratio of every round, and
the speed-up of this checkout over BEFORE_ROOT.
"""
from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, ROOT)

from bench import data  # noqa: E402

_CHILD = r'''
import sys, time
root, path, runs = sys.argv[1], sys.argv[2], int(sys.argv[3])
sys.path.insert(0, root)
from translators import _native, pipeline
if not _native.STATE[0]:
    raise SystemExit(f"{root}: translators not compiled ({_native.STATE[1]})")
def baseline(path):
    segments = 0; tail = ""
    with open(path, "rb") as fh:
        while True:
            block = fh.read(1 << 16)
            if not block:
                break
            text = tail + block.decode("latin-1")
            parts = text.split("~"); tail = parts.pop()
            for seg in parts:
                if seg.strip().split("*"):
                    segments += 1
    return segments
def translate(path):
    n = 0
    with open(path, "rb") as fh:
        for item in pipeline.translate(fh):
            n += item.document is not None
    return n
tb = tt = float("inf")
for _ in range(runs):
    t = time.perf_counter(); baseline(path); tb = min(tb, time.perf_counter() - t)
    t = time.perf_counter(); translate(path); tt = min(tt, time.perf_counter() - t)
print(tb, tt)
'''


def child(root: str, path: str) -> tuple[float, float]:
    out = subprocess.run([sys.executable, "-c", _CHILD, root, path, "2"], check=True,
                         capture_output=True, text=True, cwd=tempfile.gettempdir(),
                         env=dict(os.environ, PYTHONPATH=root)).stdout.split()
    return float(out[0]), float(out[1])


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("before", help="another checkout, built in place")
    ap.add_argument("--kinds", nargs="+", default=["x12-850", "x12-856"],
                    choices=sorted(data.GENERATORS))
    ap.add_argument("--rounds", type=int, default=6)
    ap.add_argument("--size-mb", type=float, default=10.0)
    args = ap.parse_args(argv)
    builds = {"before": os.path.abspath(args.before), "after": ROOT}
    with tempfile.TemporaryDirectory() as tmp:
        for kind in args.kinds:
            path = os.path.join(tmp, f"{kind}.edi")
            with open(path, "wb") as fh:
                data.GENERATORS[kind](fh, int(args.size_mb * 2**20))
            size = os.path.getsize(path) / 2**20
            best = {b: [float("inf"), float("inf")] for b in builds}
            ratios: dict[str, list[float]] = {b: [] for b in builds}
            for _ in range(args.rounds):
                for name, root in builds.items():
                    tb, tt = child(root, path)
                    best[name] = [min(best[name][0], tb), min(best[name][1], tt)]
                    ratios[name].append(tb / tt)
            for name in builds:
                tb, tt = best[name]
                print(f"{kind:<15} {name:<6} baseline {size / tb:6.1f} MB/s  translate "
                      f"{size / tt:6.1f} MB/s  ratio of bests {tb / tt:.2f}  rounds "
                      + " ".join(f"{r:.2f}" for r in ratios[name]))
            print(f"{kind:<15} translate speed-up: {best['before'][1] / best['after'][1]:.2f}x")


if __name__ == "__main__":
    main()
