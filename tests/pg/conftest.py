"""A real PostgreSQL for the run database: one throwaway server per test session, one database
per test module (tests/pgserver.py). Without PostgreSQL installed these tests fail, never skip."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest

from pgserver import NoPostgres, PostgresServer, postgres_server


@pytest.fixture(scope="session")
def pg_server() -> Iterator[PostgresServer]:
    try:
        with postgres_server() as server:
            yield server
    except NoPostgres as exc:
        pytest.fail(str(exc))


@pytest.fixture(scope="module")
def pg_url(pg_server: PostgresServer, request: pytest.FixtureRequest) -> str:
    """A fresh database named after the test module."""
    name = re.sub(r"\W", "_", request.module.__name__.rsplit(".", 1)[-1]).lower()
    return pg_server.create_database(name)
