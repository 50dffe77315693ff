"""The message validator's two scans over a batch of events (translators/edifact/validator.py).

``others`` and ``scan`` are the pure-Python twins of the optional C extension
``translators.edifact._c_scan`` (same signatures, same results; the tests compare both).
The validator uses the C versions when they are built, unless the environment sets
``EDI_GATEWAY_PURE=1``.
"""
from __future__ import annotations

from itertools import chain, compress, repeat
from operator import is_not, itemgetter
from typing import Optional

from translators.edifact.events import Segment

_tag_of = itemgetter(0)
_elements_of = itemgetter(1)
_repeats_of = itemgetter(4)


def others(events: list, segment_type: type = Segment) -> list[int]:
    """The indexes of the events whose type is not exactly ``segment_type``."""
    n = len(events)
    return list(compress(range(n), map(is_not, map(type, events), repeat(segment_type, n))))


def small(elements: list[list[str]], limit: int) -> bool:
    """Whether the values of an element list hold at most ``limit`` characters."""
    try:
        return sum(map(len, chain.from_iterable(elements))) <= limit
    except TypeError:
        return False


def scan(held: list, known: dict[int, str], limit: int, segment_type: type = Segment
         ) -> tuple[tuple[str, ...], Optional[list[int]], list[bool]]:
    """For the segments of one message: (their tags, the indexes of those whose elements
    list is not remembered in ``known`` (id of a list -> tag) for that very tag object,
    whether each of those lists is ``small(elements, limit)``), or (tags, None, []) when a
    segment has syntax-4 repetitions.  ``held`` holds ``segment_type`` instances only (the
    C twin leaves anything else to this one)."""
    tags = tuple(map(_tag_of, held))
    if any(map(_repeats_of, held)):
        return tags, None, []
    found = map(known.get, map(id, map(_elements_of, held)))
    unknown = list(compress(range(len(tags)), map(is_not, found, tags)))
    return tags, unknown, [small(held[k][1], limit) for k in unknown]
