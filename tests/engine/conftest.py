import os
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

from homes import PG_ENV, Home, postgres_schema  # noqa: E402


def _pg_or_skip() -> None:
    if not os.environ.get(PG_ENV):
        pytest.skip(f"{PG_ENV} is not set (.ci/run starts PostgreSQL 15 and sets it)")


@pytest.fixture(params=["sqlite", "postgresql"])
def store_url(request, tmp_path):
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'store.db'}"
        return
    _pg_or_skip()
    with postgres_schema() as url:
        yield url


@pytest.fixture
def pg_url():
    _pg_or_skip()
    with postgres_schema() as url:
        yield url


@pytest.fixture
def home(tmp_path, store_url):
    return Home(tmp_path / "home", store_url)


@pytest.fixture
def sqlite_home(tmp_path):
    return Home(tmp_path / "home")
