"""translators/_c_runs.c against its twin translators/runs.py: where a run of events of one
type ends, and what the pipeline makes of batches that pass as they are."""
from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from translators import runs


class _A(tuple):
    pass


class _B(_A):  # a subclass is another type: the run ends there
    pass


_EVENTS = st.lists(st.sampled_from([_A(), _B(), 1, "x", None]), max_size=30)


@given(_EVENTS, st.integers(-3, 35))
def test_twins_agree(batch: list, i: int) -> None:
    want = runs._run_end(batch, i, _A)
    assert 0 <= want <= len(batch)
    assert all(type(e) is _A for e in batch[max(i, 0):want])
    assert want == len(batch) or type(batch[want]) is not _A  # the run ends there
    if runs.NATIVE:
        assert runs.run_end(batch, i, _A) == want


def test_c_arguments_are_checked() -> None:
    c = pytest.importorskip("translators._c_runs", reason="C extension not built")
    with pytest.raises(TypeError):
        c.run_end((1, 2), 0, int)
    with pytest.raises(TypeError):
        c.run_end([1, 2], 0, 1)
    with pytest.raises(TypeError):
        c.run_end([1, 2], 0)
    with pytest.raises(TypeError):
        c.run_end([1, 2], "0", int)
    assert c.run_end([1, 2, "a"], 0, int) == 2 and c.run_end([1], 1 << 40, int) == 1


def test_envelope_passes_a_clean_batch_as_it_is_and_copies_once_it_inserts() -> None:
    from translators.x12.envelope import validate_envelope_batches
    from translators.x12.reader import iter_batches
    good = (b"ISA*00*          *00*          *ZZ*A              *ZZ*B              *261127*0930*U"
            b"*00401*000000001*0*P*>~GS*SH*A*B*20261127*0930*1*X*004010~"
            b"ST*856*0001~BSN*00*X*20261127~HL*1**S~SE*4*0001~GE*1*1~IEA*1*000000001~")
    batches = list(iter_batches(good))
    assert [out is inp for inp, out in zip(batches, validate_envelope_batches(iter(batches)))][0]
    bad = good.replace(b"SE*4*0001", b"SE*9*0001")
    batches = list(iter_batches(bad))
    outs = list(validate_envelope_batches(iter(batches)))
    assert outs[0] is not batches[0] and len(outs[0]) == len(batches[0]) + 1
    finding = [e for e in outs[0] if type(e).__name__ == "Finding"]
    assert [(f.field, f.code) for f in finding] == [("AK502", "4")]
    se_end = [type(e).__name__ for e in outs[0]].index("TransactionEnd")
    assert type(outs[0][se_end - 1]).__name__ == "Finding"  # an end's findings go before it
