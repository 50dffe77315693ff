"""Code tables shared by the X12 and EDIFACT mappings.

A code table maps a standard's qualifier code to the canonical vocabulary.
A code with no canonical name reads as ``<prefix>:<code>`` (``x12:ZZ``,
``edifact:ZZZ``) and is written back as the raw code, so nothing is lost.
``from_code_for`` and ``to_code_for`` build the two converters for one
standard once (the prefix is bound in a closure: no extra call per use).
"""
from __future__ import annotations

from typing import Any, Callable

from translators.findings import EDIError

FromCode = Callable[[dict[str, str], str], str]
ToCode = Callable[[dict[str, str], str, str], str]


def str_keyed(table: dict[str, Any]) -> dict[str, Any]:
    """The same table as a dict built key by key.  A compiled module builds a dict display
    of more than five entries presized, and CPython 3.11 gives a presized dict the general
    keys layout, whose lookups compare keys through ``PyObject_RichCompare``; a dict built
    from empty with str keys keeps the str-only layout (identity, then a direct string
    compare).  For the tables looked up once or more per segment."""
    out: dict[str, Any] = {}
    for key, value in table.items():
        out[key] = value
    return out


def invert(table: dict[str, str]) -> dict[str, str]:
    """Canonical value -> code; the first code listed for a value wins."""
    out: dict[str, str] = {}
    for k, v in table.items():
        out.setdefault(v, k)
    return out


def from_code_for(prefix: str) -> FromCode:
    """``from_code(table, code)``: the canonical value of ``code``, else
    ``'<prefix>:<code>'``."""
    raw = prefix + ":"

    def from_code(table: dict[str, str], code: str) -> str:
        v = table.get(code)
        return v if v is not None else raw + code

    return from_code


def to_code_for(prefix: str, standard: str, *, allow_empty: bool = False) -> ToCode:
    """``to_code(table, value, what)``: the code of canonical ``value``, or the
    raw code of a ``'<prefix>:<code>'`` value; EDIError naming ``what`` and the
    ``standard`` otherwise.  ``allow_empty``: a bare ``'<prefix>:'`` gives ''
    (else it is an error)."""
    raw = prefix + ":"
    cut = len(raw)
    least = cut if allow_empty else cut + 1

    def to_code(table: dict[str, str], value: str, what: str) -> str:
        code = table.get(value)
        if code is not None:
            return code
        if value.startswith(raw) and len(value) >= least:
            return value[cut:]
        raise EDIError(f"{what} {value!r} has no {standard} code (use one of "
                       f"{', '.join(sorted(table))} or '{raw}<code>')")

    return to_code
