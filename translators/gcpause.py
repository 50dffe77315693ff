"""Keep the cyclic garbage collector off the readers' many small, acyclic objects.

``gc_paused()`` pauses it around a call that allocates many of them (a reader's
events, a mapping's document): without it the collector scans those objects again
and again while they are being built (about a quarter of the reading time).  Only
for calls that never yield: the previous state is restored when the block ends,
however it ends.

``untrack_events(events)`` (the C extension translators/_c_untrack.c) then takes
the finished events out of the collector's care altogether, so it does not scan
them even once while they wait for the pipeline; without the extension, or with
``EDI_GATEWAY_PURE=1``, it does nothing (the results are the same).
"""
from __future__ import annotations

import gc
from contextlib import contextmanager
from typing import Any, Iterator

from translators.extensions import pick


def _keep_tracked(events: list[Any], frozen: tuple[type, ...] = ()) -> None:
    """Pure-Python stand-in for translators._c_untrack.untrack_events: nothing to do."""


#: ``untrack_events(events)`` and whether it is the C one.
untrack_events, UNTRACKING = pick("translators._c_untrack", "untrack_events", _keep_tracked)


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
