"""Fixtures of the fault tests: servers of their own, which they may kill."""

from __future__ import annotations

import pytest

from backend.migrate import upgrade
from tests.conftest import _load_content
from tests.reliability.servers import PostgresCluster, RedisServer, postgres_bin


@pytest.fixture
def own_redis(tmp_path):
    server = RedisServer(tmp_path)
    try:
        server.start()
        yield server
    finally:
        server.stop()


@pytest.fixture
def own_postgres():
    """A migrated PostgreSQL cluster with the shipped content, for this test only."""
    bindir = postgres_bin()
    if bindir is None:
        pytest.skip("no PostgreSQL server (initdb under /usr/lib/postgresql/*/bin); "
                    "install the Debian package postgresql")
    cluster = PostgresCluster(bindir)
    try:
        cluster.init()
        cluster.start()
        upgrade(cluster.url)
        _load_content(cluster.url)
        yield cluster
    finally:
        cluster.remove()
