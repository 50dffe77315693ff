"""translators.gcpause.gc_paused: the collector is off inside the block and back in its
previous state after it, nested or not, whether the block ends normally or by an exception."""
from __future__ import annotations

import gc

import pytest

from translators.gcpause import gc_paused


@pytest.fixture(autouse=True)
def _collector_on():  # type: ignore[no-untyped-def]
    was = gc.isenabled()
    gc.enable()
    yield
    if not was:
        gc.disable()


def test_paused_inside_restored_after_nested_blocks() -> None:
    with gc_paused():
        assert not gc.isenabled()
        with gc_paused():
            assert not gc.isenabled()
        assert not gc.isenabled()  # the inner block restores the outer one's state
    assert gc.isenabled()


def test_restored_after_an_exception_which_propagates() -> None:
    with pytest.raises(KeyError):
        with gc_paused():
            raise KeyError("x")
    assert gc.isenabled()


def test_a_collector_that_was_off_stays_off() -> None:
    gc.disable()
    with gc_paused():
        assert not gc.isenabled()
    assert not gc.isenabled()


def test_one_instance_per_block_keeps_its_own_state() -> None:
    outer = gc_paused()
    with outer:
        gc.enable()  # something inside turned it back on
        with gc_paused():
            assert not gc.isenabled()
        assert gc.isenabled()
    assert gc.isenabled()
