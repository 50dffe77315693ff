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
import os
from contextlib import contextmanager
from typing import Any, Callable, Iterator


def _keep_tracked(events: list[Any]) -> None:
    """Pure-Python stand-in for translators._c_untrack.untrack_events: nothing to do."""


def _untracker() -> tuple[Callable[[list[Any]], None], bool]:
    if os.environ.get("EDI_GATEWAY_PURE", "") not in ("", "0"):
        return _keep_tracked, False
    try:
        from translators import _c_untrack  # type: ignore[attr-defined]
    except ImportError:
        return _keep_tracked, False
    return _c_untrack.untrack_events, True


#: ``untrack_events(events)`` and whether it is the C one.
untrack_events, UNTRACKING = _untracker()


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
