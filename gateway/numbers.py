"""The translators' control-number and duplicate-registry protocols, backed by the store.

* ``StoreCounter`` allocates ISA13/GS06/ST02 and UNB/UNG/UNH references per partner
  profile (one sequence per partner and kind, shared by documents and the
  acknowledgments we send that partner), each in its own short transaction: never
  reused, surviving restarts and concurrent workers.  It remembers what it handed out
  so the engine can store the numbers with the document.
* ``SeenInterchanges`` answers the X12 envelope validator (True = duplicate) and
  ``SeenReferences`` the EDIFACT one (False = duplicate) from the store, within the
  configured window; what it saw is recorded by the engine in the same transaction
  as the document's transition (``record``), so a crash records nothing.
"""
from __future__ import annotations

import datetime as _dt
from typing import Optional

from gateway.store import Store

#: the largest value each number may take before it wraps to 1
MAXIMA = {"ISA13": 999_999_999, "GS06": 999_999_999, "ST02": 999_999_999,
          "UNB0020": 99_999_999_999_999, "UNG0048": 99_999_999_999_999,
          "UNH0062": 99_999_999_999_999}


#: asking for the first kind allocates the others in the same transaction (one commit for
#: an interchange's three numbers); an unused prefetched number is a gap, never a repeat
TOGETHER = {"ISA13": ("GS06", "ST02"), "UNB0020": ("UNH0062",)}


class StoreCounter:
    def __init__(self, store: Store, partner: str) -> None:
        self.store = store
        self.partner = partner
        self.allocated: list[tuple[str, int]] = []
        self._prefetched: dict[str, int] = {}

    def next(self, kind: str, partner: str = "") -> int:  # noqa: ARG002 - the profile decides
        if kind in self._prefetched:
            value = self._prefetched.pop(kind)
        else:
            kinds = (kind,) + TOGETHER.get(kind, ())
            got = self.store.next_control_numbers(
                self.partner, {k: MAXIMA.get(k, 999_999_999) for k in kinds})
            value = got.pop(kind)
            self._prefetched.update(got)
        self.allocated.append((kind, value))
        return value

    def first(self, *kinds: str) -> Optional[str]:
        for kind, value in self.allocated:
            if kind in kinds:
                return str(value)
        return None


class _Seen:
    def __init__(self, store: Store, standard: str, *, window: _dt.timedelta,
                 document_id: int) -> None:
        self.store = store
        self.standard = standard
        self.since = store.clock() - window
        self.document_id = document_id
        self._local: set[tuple[str, str, str]] = set()
        self.fresh: list[tuple[str, str, str]] = []  # to record on commit
        self.duplicates: dict[tuple[str, str, str], int] = {}  # -> earlier document id

    def _check(self, qualifier: str, sender: str, control: str) -> bool:
        key = (qualifier.strip(), sender.strip(), control.strip())
        if key in self._local:
            return True  # twice in the same file
        self._local.add(key)
        earlier = self.store.interchange_seen(self.standard, *key, since=self.since,
                                              exclude_document=self.document_id)
        if earlier is not None:
            self.duplicates[key] = earlier
            return True
        self.fresh.append(key)
        return False


class SeenInterchanges(_Seen):
    """translators.x12.envelope.ControlNumberRegistry: True when seen before."""

    def __init__(self, store: Store, *, window: _dt.timedelta, document_id: int) -> None:
        super().__init__(store, "x12", window=window, document_id=document_id)

    def check_and_record(self, sender_qualifier: str, sender_id: str,
                         control_number: str) -> bool:
        return self._check(sender_qualifier, sender_id, control_number)


class SeenReferences(_Seen):
    """translators.edifact.envelope.ReferenceRegistry: False when seen before."""

    def __init__(self, store: Store, *, window: _dt.timedelta, document_id: int) -> None:
        super().__init__(store, "edifact", window=window, document_id=document_id)

    def check_and_record(self, sender: str, qualifier: str, reference: str) -> bool:
        return not self._check(qualifier or "", sender, reference)
