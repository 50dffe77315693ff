"""Benchmark: EDIFACT message validator overhead on a generated ORDERS D96A file.

Usage: python bench/edifact_validator.py [size_mb]   (default 10)

Prints reader alone vs reader + validator (MB/s) and the validator's own cost
per segment, measured over pre-read events so the reader is out of the figure.
"""
from __future__ import annotations

import sys
import time

from translators.edifact.events import Segment
from translators.edifact.reader import iter_events
from translators.edifact.validator import validate_messages
from translators.findings import Finding


def generate(size: int) -> bytes:
    parts = ["UNA:+.? '\n", "UNB+UNOC:3+5412345000013:14+8712345000014:14+260517:1200+ICR1'\n"]
    total = sum(map(len, parts))
    n = 0
    while total < size:
        n += 1
        seg = [
            f"UNH+M{n}+ORDERS:D:96A:UN:EAN008'", f"BGM+220+PO{n:08d}+9'", "DTM+137:20260517:102'",
            "DTM+2:202605200800:203'", "RFF+CT:CONTRACT1'", "NAD+BY+5412345000013::9'",
            "NAD+SU+8712345000014::9'", "NAD+DP+5412345000020::9'", "CUX+2:EUR:9'",
        ]
        for line in range(1, 101):
            seg += [f"LIN+{line}++54123456{line:05d}:EN'", f"PIA+1+ART{line}:SA'",
                    f"IMD+F++:::Article number {line} blue'", f"QTY+21:{line % 17 + 1}:PCE'",
                    "DTM+2:20260520:102'", f"PRI+AAA:{line}.50'"]
        seg += ["UNS+S'", "CNT+2:100'"]
        seg.append(f"UNT+{len(seg) + 1}+M{n}'")
        block = "\n".join(seg) + "\n"
        parts.append(block)
        total += len(block)
    parts.append(f"UNZ+{n}+ICR1'\n")
    return "".join(parts).encode("ascii")


def best(fn, repeat: int = 3) -> float:
    """Best CPU time (process_time: less disturbed by other processes on the box)."""
    times = []
    for _ in range(repeat):
        t = time.process_time()
        fn()
        times.append(time.process_time() - t)
    return min(times)


def main() -> None:
    size_mb = float(sys.argv[1]) if len(sys.argv) > 1 else 10.0
    data = generate(int(size_mb * 1_000_000))
    mb = len(data) / 1e6
    events = list(iter_events(data))
    segments = sum(1 for e in events if isinstance(e, Segment))
    problems = [e for e in validate_messages(events) if isinstance(e, Finding)]
    print(f"input {mb:.1f} MB, {segments} body segments, findings on valid data: {len(problems)}")

    def reader_only() -> None:
        for _ in iter_events(data):
            pass

    def reader_validator() -> None:
        for _ in validate_messages(iter_events(data)):
            pass

    def passthrough() -> None:
        for _ in events:
            pass

    def validator_only() -> None:
        for _ in validate_messages(events):
            pass

    # interleave the runs so load changes on the box hit both alike; keep the best
    reads, boths = [], []
    for _ in range(5):
        reads.append(best(reader_only, 1))
        boths.append(best(reader_validator, 1))
    t_read, t_both = min(reads), min(boths)
    t_pass = best(passthrough, 5)
    t_val = best(validator_only, 5)
    print(f"reader alone:       {t_read:6.2f} s  {mb / t_read:6.1f} MB/s")
    print(f"reader + validator: {t_both:6.2f} s  {mb / t_both:6.1f} MB/s  "
          f"(+{(t_both - t_read) / segments * 1e6:.2f} us/segment)")
    print(f"validator over pre-read events: {(t_val - t_pass) / segments * 1e6:.2f} us/segment "
          f"({(t_val - t_pass):.2f} s for {segments} segments)")


if __name__ == "__main__":
    main()
