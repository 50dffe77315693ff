"""Translating leaves no reference cycles behind per document.

The readers and mappings run with the cyclic collector paused and rely on reference
counting alone to free what they make: a cycle per document (a node whose cached path
holds the node itself, say) would stay in memory until the next collection and make every
collection scan it.  So the cyclic garbage a translation leaves must not grow with the
number of documents (a few objects per file, from the filters' closures, are allowed)."""
from __future__ import annotations

import gc
import io

import pytest

from bench import data
from translators import pipeline

KINDS = sorted(data.GENERATORS)


def cyclic_garbage(raw: bytes) -> int:
    """Objects in reference cycles left by translating raw, with the collector off."""
    gc.collect()
    enabled = gc.isenabled()
    gc.disable()
    try:
        items = list(pipeline.translate(io.BytesIO(raw)))
        assert sum(item.document is not None for item in items) >= 2
        assert not any(item.findings for item in items)
        del items
        return gc.collect()
    finally:
        if enabled:
            gc.enable()


def interchange(kind: str, size: int) -> bytes:
    buf = io.BytesIO()
    data.GENERATORS[kind](buf, size)
    return buf.getvalue()


@pytest.mark.parametrize("kind", KINDS)
def test_cyclic_garbage_does_not_grow_with_documents(kind: str) -> None:
    small, large = interchange(kind, 40_000), interchange(kind, 160_000)
    cyclic_garbage(small)  # warm up: imports, schema caches
    assert cyclic_garbage(large) == cyclic_garbage(small), (
        f"{kind}: translating leaves objects in reference cycles for every document")
