import os
import pathlib

import pytest

ROOT = pathlib.Path(__file__).resolve().parent.parent
# shared/ sits beside the project checkout (../shared); CI lays a copy there too.
SHARED = pathlib.Path(os.environ.get("EDI_SHARED_DIR", ROOT.parent / "shared"))
CORPUS = SHARED / "corpus"


@pytest.fixture(scope="session")
def corpus_dir() -> pathlib.Path:
    if not CORPUS.is_dir():
        pytest.fail(f"sample corpus not found at {CORPUS} (set EDI_SHARED_DIR)")
    return CORPUS
