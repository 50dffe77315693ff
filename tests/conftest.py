import pathlib
import sys

import pytest

# Test modules import small helpers that live in tests/ (shared_paths...).
sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))

from shared_paths import CORPUS  # noqa: E402


@pytest.fixture(scope="session")
def corpus_dir() -> pathlib.Path:
    if not CORPUS.is_dir():
        pytest.fail(f"sample corpus not found at {CORPUS} (set EDI_SHARED_DIR)")
    return CORPUS
