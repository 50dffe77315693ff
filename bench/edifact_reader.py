"""Reader throughput and memory on generated EDIFACT ORDERS interchanges.

    python bench/edifact_reader.py [MB]      (default 10; memory run uses ~100 MB)

Prints MB/s for the reader alone and reader + envelope validator, and the
peak traced memory (tracemalloc) while streaming a ~100 MB interchange
generated on the fly (the input itself is never held in memory).
"""
from __future__ import annotations

import sys
import time
import tracemalloc
from typing import Iterator

from translators.edifact.envelope import validate_envelope
from translators.edifact.reader import EdifactReader, iter_events

HEADER = ("UNA:+.? '\nUNB+UNOC:3+5412345000013:14+4012345000009:14+20240101:1200+REF1'\n")


def message(n: int) -> str:
    lines = [
        f"UNH+{n}+ORDERS:D:96A:UN:EAN008'",
        f"BGM+220+PO{n:08d}+9'",
        "DTM+137:20240101:102'",
        "DTM+2:20240115:102'",
        "FTX+AAI+++Deliver to dock 5?: ring bell ?+ wait'",
        "NAD+BY+5412345000013::9++ACME Corp?'s store+Main street 1+Brussels++1000+BE'",
        "NAD+SU+4012345000009::9'",
        "CUX+2:EUR:9'",
    ]
    for line in range(1, 11):
        lines += [
            f"LIN+{line}++54123450{line:05d}:EN'",
            f"IMD+F++:::Item {line} 50% off size 10'",
            f"QTY+21:{line * 3}:PCE'",
            f"PRI+AAA:{line}.50'",
        ]
    lines += ["UNS+S'", "CNT+2:10'"]
    lines.append(f"UNT+{len(lines) + 1}+{n}'")
    return "\n".join(lines) + "\n"


def generate(size: int) -> Iterator[bytes]:
    yield HEADER.encode()
    total = len(HEADER)
    n = 0
    buf = []
    while total < size:
        n += 1
        m = message(n)
        buf.append(m)
        total += len(m)
        if len(buf) == 200:
            yield "".join(buf).encode("latin-1")
            buf = []
    buf.append(f"UNZ+{n}+REF1'\n")
    yield "".join(buf).encode("latin-1")


def rechunk(chunks: Iterator[bytes], size: int = 1 << 16) -> Iterator[bytes]:
    pending = b""
    for c in chunks:
        pending += c
        while len(pending) >= size:
            yield pending[:size]
            pending = pending[size:]
    if pending:
        yield pending


def baseline(data: bytes) -> Iterator[list]:
    """The plain str.split tokenizer of docs/edi.md, for comparison on the same machine."""
    for i in range(0, len(data), 1 << 16):
        for seg in data[i:i + (1 << 16)].decode("latin-1").split("'"):
            yield [e.split(":") for e in seg.split("+")]


def main() -> None:
    mb = float(sys.argv[1]) if len(sys.argv) > 1 else 10.0
    data = b"".join(generate(int(mb * 1e6)))
    terminators = data.count(b"'")
    print(f"input: {len(data) / 1e6:.1f} MB, {data.count(b'?')} release characters, "
          f"{terminators} terminators")
    for label, fn in (("plain str.split tokenizer (baseline)", lambda: baseline(data)),
                      ("reader", lambda: iter_events(data)),
                      ("reader+envelope", lambda: validate_envelope(iter_events(data)))):
        best_wall = best_cpu = 1e9
        count = 0
        for _ in range(3):
            t, c = time.perf_counter(), time.process_time()
            count = sum(1 for _ in fn())
            best_wall = min(best_wall, time.perf_counter() - t)
            best_cpu = min(best_cpu, time.process_time() - c)
        print(f"{label}: {count} items, wall {len(data) / 1e6 / best_wall:.1f} MB/s, "
              f"CPU {len(data) / 1e6 / best_cpu:.1f} MB/s")
    del data
    tracemalloc.start()
    reader = EdifactReader()
    n = 0
    total = 0
    for chunk in rechunk(generate(100_000_000)):
        total += len(chunk)
        n += len(reader.feed(chunk))
    n += len(reader.close())
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    print(f"streamed {total / 1e6:.0f} MB ({n} events): peak traced memory {peak / 1e6:.1f} MB")


if __name__ == "__main__":
    main()
