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
from typing import Any

from translators.extensions import pick


def _keep_tracked(events: list[Any], frozen: tuple[type, ...] = (), itself: bool = False) -> None:
    """Pure-Python stand-in for translators._c_untrack.untrack_events: nothing to do."""


#: ``untrack_events(events)`` and whether it is the C one.
untrack_events, UNTRACKING = pick("translators._c_untrack", "untrack_events", _keep_tracked)


class gc_paused:
    """``with gc_paused(): ...``: the collector off for the block, its previous state back
    afterwards, however the block ends.  A class, not a generator-based context manager:
    it is entered once per document, and this costs a third of that."""

    __slots__ = ("_enabled",)

    def __init__(self) -> None:
        self._enabled = False

    def __enter__(self) -> None:
        self._enabled = gc.isenabled()
        if self._enabled:
            gc.disable()

    def __exit__(self, *exc: object) -> None:
        if self._enabled:
            gc.enable()
