"""RPC calls per document are bounded by a constant: the same count at 10, 100 and 1,000 lines
(bench/odoo.py prints the figures)."""
import pytest

from tests.odoo.world import calls_for


@pytest.mark.parametrize("kind,settings", [("855", {}), ("856", {}), ("850-in", {}),
                                           ("850-in", {"confirm_sale_orders": True})])
def test_calls_do_not_grow_with_lines(kind, settings):
    runs = [calls_for(17, kind, n, **settings) for n in (10, 100, 1000)]
    counts = [calls for calls, _ in runs]
    assert counts[0] == counts[1] == counts[2], counts
    assert counts[0] < 25
    # the documents really applied (a count of calls that only raised would prove nothing)
    big = runs[-1][1]
    assert not [e for e in big.exceptions if e.code not in ("rejected_line", "backordered_line")]
    assert big.effects
