"""Mutated profiles never crash the checks: only Problems come out."""
from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from gateway.profiles.checks import check_bytes
from gateway.profiles.model import Profile
from gateway.profiles.template import render_profile

from profile_samples import AS2, BASE, NOW, SFTP

SOURCES = [BASE, SFTP, AS2, render_profile("x", "x12", "sftp"),
           render_profile("x", "edifact", "as2")]
ALPHABET = st.sampled_from(list(' :-"\'#[]{}\n\t*&!|>,0123456789abcxyzZ\xe9') +
                           ["<fill in: x>", "env:", "file:", "null", "true", "- ", "  "])


@st.composite
def mutated(draw):
    text = draw(st.sampled_from(SOURCES))
    for _ in range(draw(st.integers(1, 4))):
        kind = draw(st.integers(0, 3))
        pos = draw(st.integers(0, len(text)))
        if kind == 0:
            text = text[:pos] + draw(ALPHABET) + text[pos:]
        elif kind == 1:
            text = text[:pos] + text[pos + draw(st.integers(1, 12)):]
        elif kind == 2:
            lines = text.split("\n")
            i = draw(st.integers(0, len(lines) - 1))
            del lines[i]
            text = "\n".join(lines)
        else:
            lines = text.split("\n")
            i = draw(st.integers(0, len(lines) - 1))
            j = draw(st.integers(0, len(lines) - 1))
            lines[i], lines[j] = lines[j], lines[i]
            text = "\n".join(lines)
    return text


def _check(text: str, tmp: Path) -> None:
    for raw in (text.encode("utf-8"), text.encode("latin-1", "replace")):
        result = check_bytes(raw, tmp / "acme.yaml", env={"ACME_KEY": "k"}, now=NOW)
        assert all(p.line >= 1 and p.column >= 1 and p.fix for p in result.problems)
        assert (result.profile is None) == any(p.is_error for p in result.problems)
        if result.profile is not None:
            assert isinstance(result.profile, Profile)


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mutated())
def test_mutations_only_produce_problems(text):
    _check(text, Path("/nonexistent"))


@pytest.mark.slow
@settings(max_examples=3000, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mutated())
def test_mutations_only_produce_problems_long(text):
    _check(text, Path("/nonexistent"))
