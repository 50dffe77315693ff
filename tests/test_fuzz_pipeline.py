"""Fuzz the whole path (detect, read, validate, acknowledge, map) with mutated
corpus files: only results come out, never an exception, and every rejection
is a finding with a position.  The default run is short; `-m slow` runs long."""
from __future__ import annotations

import io
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from shared_paths import CORPUS
from translators import pipeline

SAMPLES = sorted(p for p in CORPUS.rglob("*") if p.is_file() and p.name not in
                 ("MANIFEST.tsv", "README.md")) if CORPUS.is_dir() else []
SAMPLES += sorted((Path(pipeline.__file__).parent / "samples").iterdir())
SEEDS = [p.read_bytes() for p in SAMPLES]
DELIMITERS = b"~*:^>\n\r'+?UNAISAGSSTSEGEIEAUNHUNTUNZ\x00\xff"


@st.composite
def mutated(draw: st.DrawFn) -> bytes:
    data = bytearray(draw(st.sampled_from(SEEDS)))
    for _ in range(draw(st.integers(1, 6))):
        if not data:
            data.extend(draw(st.binary(max_size=20)))
            continue
        i = draw(st.integers(0, len(data) - 1))
        op = draw(st.integers(0, 5))
        if op == 0:  # replace a byte, often with a delimiter
            data[i] = draw(st.sampled_from(DELIMITERS))
        elif op == 1:  # delete a run
            del data[i:i + draw(st.integers(1, 40))]
        elif op == 2:  # insert bytes
            data[i:i] = draw(st.binary(min_size=1, max_size=12))
        elif op == 3:  # duplicate a run (repeated segments, envelopes)
            j = min(len(data), i + draw(st.integers(1, 200)))
            data[i:i] = data[i:j]
        elif op == 4:  # truncate
            del data[i:]
        else:  # swap two runs
            j = draw(st.integers(0, len(data) - 1))
            a, b = sorted((i, j))
            data[a:b] = data[a:b][::-1]
    return bytes(data)


def check(data: bytes) -> None:
    for acks in (True, False):
        out = list(pipeline.run(io.BytesIO(data), acks=acks))
        for item in out:
            assert isinstance(item, (pipeline.Item, pipeline.Ack))
            if isinstance(item, pipeline.Item):
                for f in item.findings:
                    assert f.field and f.code and f.message
                    assert isinstance(f.position.offset, int)
                item.to_json()


@settings(max_examples=150, deadline=None, suppress_health_check=list(HealthCheck))
@given(mutated())
def test_mutated_files_never_crash(data: bytes) -> None:
    check(data)


@pytest.mark.slow
@settings(max_examples=4000, deadline=None, suppress_health_check=list(HealthCheck))
@given(mutated())
def test_mutated_files_never_crash_long(data: bytes) -> None:
    check(data)


@settings(max_examples=100, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.binary(max_size=400))
def test_random_bytes_never_crash(data: bytes) -> None:
    check(data)
    check(b"ISA" + data)
    check(b"UNA:+.? 'UNB+" + data)
