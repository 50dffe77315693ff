"""Choosing between an optional C extension (``translators/**/_c_*.c``, built by setup.py
when a compiler is there) and the pure-Python twin it replaces."""
from __future__ import annotations

import importlib
import os
from typing import Any


def pure_forced() -> bool:
    """``EDI_GATEWAY_PURE=1``: run the Python sources and twins only."""
    return os.environ.get("EDI_GATEWAY_PURE", "") not in ("", "0")


def pick(module: str, name: str, fallback: Any) -> tuple[Any, bool]:
    """(``module.name``, True) when that C extension is built and not disabled by
    ``EDI_GATEWAY_PURE=1``; otherwise (``fallback``, False)."""
    if pure_forced():
        return fallback, False
    try:
        ext = importlib.import_module(module)
    except ImportError:
        return fallback, False
    return getattr(ext, name), True
