"""The PostgreSQL fixture itself: a real server on loopback, not run as root."""

from __future__ import annotations

import psycopg


def test_the_server_answers_on_loopback_as_an_unprivileged_cluster(pg_url: str) -> None:
    with psycopg.connect(pg_url) as conn:
        row = conn.execute(
            "SELECT current_database(), inet_server_addr()::text, current_setting('data_directory')"
        ).fetchone()
    assert row is not None
    database, address, data = row
    assert database == "test_server"
    assert address.startswith("127.0.0.1")
    assert "uccert-pg-" in data
