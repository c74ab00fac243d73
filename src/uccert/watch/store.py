"""The findings already notified, kept in the run database (SQLite or PostgreSQL, beside DBOS's
own tables): a restart of `uccert watch`, or a one-off `--once`, knows what it said before."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from typing import Any, Final

import sqlalchemy as sa

from uccert.run import RunDatabase

from .findings import FindingKey, key_of

TABLE: Final = "uccert_watch_notified"
_META: Final = sa.MetaData()
_NOTIFIED: Final = sa.Table(
    TABLE,
    _META,
    sa.Column("cluster", sa.Text, primary_key=True),
    sa.Column("node", sa.Text, primary_key=True),
    sa.Column("subject", sa.Text, primary_key=True),
    sa.Column("code", sa.Text, primary_key=True),
    sa.Column("finding", sa.Text, nullable=False),  # as `uccert check --json` writes it
    sa.Column("since", sa.Text, nullable=False),  # when it was notified (ISO, UTC)
)


def _engine(database: RunDatabase) -> sa.Engine:
    url = database.url
    if url.startswith(("postgresql://", "postgres://")):
        url = "postgresql+psycopg://" + url.split("://", 1)[1]
    return sa.create_engine(url)


class NotifiedStore:
    """Read and replace the notified findings of the clusters a check looked at."""

    def __init__(self, database: RunDatabase) -> None:
        database.prepare()
        self._engine = _engine(database)
        _META.create_all(self._engine)

    def close(self) -> None:
        self._engine.dispose()

    def _rows(self) -> list[tuple[Mapping[str, Any], str]]:
        with self._engine.connect() as conn:
            rows = conn.execute(sa.select(_NOTIFIED.c.finding, _NOTIFIED.c.since)).all()
        return [(json.loads(r.finding), str(r.since)) for r in rows]

    def known(self) -> dict[FindingKey, Mapping[str, Any]]:
        return {key_of(f): f for f, _ in self._rows()}

    def replace(
        self, clusters: Iterable[str], findings: Iterable[Mapping[str, Any]], when: str
    ) -> None:
        """After a delivered notification: the clusters' notified set is this check's."""
        names = list(clusters)
        since_of = {key_of(f): since for f, since in self._rows()}
        with self._engine.begin() as conn:
            conn.execute(sa.delete(_NOTIFIED).where(_NOTIFIED.c.cluster.in_(names)))
            rows = []
            for f in findings:
                key = key_of(f)
                since = since_of.get(key, when)
                rows.append(
                    {
                        "cluster": key[0],
                        "node": key[1],
                        "subject": key[2],
                        "code": key[3],
                        "finding": json.dumps(dict(f)),
                        "since": since,
                    }
                )
            if rows:
                conn.execute(sa.insert(_NOTIFIED), rows)
