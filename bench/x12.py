"""X12 translate throughput and memory (issue 2).

    python bench/x12.py [--size-mb 10] [--big-mb 200] [--runs 3]

Baseline: a plain ``str.split`` streaming tokenizer (64 KB chunks, latin-1,
segments split on '~', elements on '*'), i.e. the cheapest thing that still
turns bytes into element lists.
"""
from __future__ import annotations

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from bench import data  # noqa: E402
from bench.translate_bench import main  # noqa: E402


def baseline(path: str) -> int:
    segments = 0
    tail = ""
    for block in data.chunks(path):
        text = tail + block.decode("latin-1")
        parts = text.split("~")
        tail = parts.pop()
        for seg in parts:
            elements = seg.strip().split("*")
            if elements:
                segments += 1
    return segments


if __name__ == "__main__":
    main(["x12-850", "x12-856"], baseline)
