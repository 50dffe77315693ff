"""Runs of ordinary segments in a batch of events.

The pipeline's stages pass lists of events (a reader batch at a time); most of a batch is
ordinary segments, which the envelope filter and the walk only pass on.
``run_end(batch, i, kind)`` says where the run of events of exactly type ``kind`` that
starts at ``i`` ends, so they can pass a run with one slice instead of a test per event.
It is the C extension translators/_c_runs.c when built (and not disabled by
``EDI_GATEWAY_PURE=1``), else ``_run_end`` below: same results.
"""
from __future__ import annotations

from typing import Any

from translators.extensions import pick


def _run_end(batch: list[Any], i: int, kind: type) -> int:
    """The index of the first event of batch at or after i whose type is not exactly kind
    (``len(batch)`` when there is none)."""
    n = len(batch)
    if i < 0:
        i = 0
    while i < n and type(batch[i]) is kind:
        i += 1
    return i if i < n else n


#: ``run_end(batch, i, kind)`` and whether it is the C one.
run_end, NATIVE = pick("translators._c_runs", "run_end", _run_end)
