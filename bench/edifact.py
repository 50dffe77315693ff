"""EDIFACT translate throughput and memory (issue 3).

    python bench/edifact.py [--size-mb 10] [--big-mb 200] [--runs 3]

Baseline: a release-aware split in the same process: 64 KB chunks decoded as
latin-1; segments split on the terminator unless released (a regex split),
elements on '+', components on ':', release characters removed.
"""
from __future__ import annotations

import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from bench import data  # noqa: E402
from bench.translate_bench import main  # noqa: E402

SEG = re.compile(r"(?<!\?)'")  # good enough for the generated files (no '??' before "'")
ELEM = re.compile(r"(?<!\?)\+")
COMP = re.compile(r"(?<!\?):")
REL = re.compile(r"\?(.)")


def baseline(path: str) -> int:
    segments = 0
    tail = ""
    for block in data.chunks(path):
        text = tail + block.decode("latin-1")
        parts = SEG.split(text)
        tail = parts.pop()
        for seg in parts:
            seg = seg.strip()
            if "?" in seg:
                elements = [[REL.sub(r"\1", c) for c in COMP.split(e)] for e in ELEM.split(seg)]
            else:
                elements = [e.split(":") for e in seg.split("+")]
            if elements:
                segments += 1
    return segments


if __name__ == "__main__":
    main(["edifact-orders", "edifact-desadv"], baseline)
