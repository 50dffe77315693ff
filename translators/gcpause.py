"""Pause the cyclic garbage collector around a call that allocates many small,
long-lived, acyclic objects (a reader's events, a mapping's document).

Without it the collector scans those objects again and again while they are
being built (about a quarter of the reading time).  Only for calls that never
yield: the previous state is restored when the block ends, however it ends.
"""
from __future__ import annotations

import gc
from contextlib import contextmanager
from typing import Iterator


@contextmanager
def gc_paused() -> Iterator[None]:
    enabled = gc.isenabled()
    if enabled:
        gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()
