"""Odoo RPC values to Python: many2one pairs, floats to Decimal, date strings, chatter text."""
from __future__ import annotations

import datetime as _dt
import html
import re
from decimal import Decimal
from typing import Any, Optional


def m2o(value: Any) -> Optional[int]:
    """The id of a many2one as read ([id, display_name]) or as written (id); None when empty."""
    return value[0] if isinstance(value, (list, tuple)) and value else (value or None)


def dec(value: Any) -> Decimal:
    """An Odoo float (or False) as a Decimal, through its shortest repr (5.1 -> 5.1)."""
    return Decimal(str(value)) if value else Decimal(0)


def num(value: Decimal) -> str:
    """A quantity for a message: 10.0 -> "10", 2.50 -> "2.5"."""
    text = format(value.normalize(), "f")
    return text


def day(value: Any) -> Optional[_dt.date]:
    """The date of an Odoo date or naive UTC datetime string; None for False."""
    return _dt.date.fromisoformat(str(value)[:10]) if value else None


def plain(body: Any) -> str:
    """A chatter body (HTML on 16, escaped text on 17/18) as the text a person reads."""
    return html.unescape(re.sub(r"<[^>]+>", " ", body or ""))
