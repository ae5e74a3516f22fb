"""Two Django processes on one database, each with its own memo: a write through one is seen by the other's next fetch.

Runs on SQLite and, when DATABASE_URL names PostgreSQL, on PostgreSQL too, both without Redis (the generation
tokens are database rows); with REDIS_URL set, also on SQLite + Redis, the production path.
"""

import contextlib
import os
import shutil

import pytest
import requests

from bench.server import VENV_BIN, production_server

pytestmark = pytest.mark.skipif(shutil.which("gunicorn", path=str(VENV_BIN)) is None, reason="needs gunicorn")


def _backends():
    backends = [pytest.param(("sqlite", None), id="sqlite")]
    database_url = os.environ.get("DATABASE_URL", "")
    if database_url.startswith("postgres"):
        backends.append(pytest.param((f"{database_url}_processes", None), id="postgres"))
    if os.environ.get("REDIS_URL"):
        backends.append(pytest.param(("sqlite", os.environ["REDIS_URL"]), id="sqlite-redis"))
    return backends


@pytest.fixture(scope="module", params=_backends())
def two_processes(request, tmp_path_factory):
    """Two one-worker gunicorn servers on the same database (and cache), for the whole module."""
    database_url, redis_url = request.param
    if database_url == "sqlite":
        database_url = f"sqlite:///{tmp_path_factory.mktemp('processes') / 'shared.sqlite3'}"
    else:
        _drop_postgres_database(database_url)
    with contextlib.ExitStack() as stack:
        yield [
            stack.enter_context(production_server(database_url=database_url, redis_url=redis_url, workers=1))
            for _ in range(2)
        ]
    if database_url.startswith("postgres"):
        _drop_postgres_database(database_url)


def _drop_postgres_database(database_url: str) -> None:
    import psycopg

    base, _, name = database_url.rpartition("/")
    with psycopg.connect(f"{base}/postgres", autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _auth(server) -> tuple[str, str]:
    return (server.public_key, server.secret_key)


def _create(server, name: str, text: str, labels: list[str]) -> None:
    response = requests.post(
        f"{server.url}/api/public/v2/prompts",
        json={"name": name, "prompt": text, "labels": labels},
        auth=_auth(server),
        timeout=10,
    )
    assert response.status_code == 200, response.text


def _fetch(server, name: str, **params):
    response = requests.get(f"{server.url}/api/public/v2/prompts/{name}", params, auth=_auth(server), timeout=10)
    return (
        (response.json()["version"], response.json()["prompt"]) if response.status_code == 200 else response.status_code
    )


def _warm(server, name: str, **params):
    """Fetch twice, so the second answer comes from the process's memo."""
    _fetch(server, name, **params)
    return _fetch(server, name, **params)


def test_a_label_move_through_one_process_is_seen_by_the_others_next_fetch(two_processes):
    writer, reader = two_processes
    name = "moving"
    _create(writer, name, "one", ["production"])
    _create(writer, name, "two", [])
    assert _warm(reader, name) == (1, "one")
    for version in (2, 1, 2):
        moved = requests.patch(
            f"{writer.url}/api/public/v2/prompts/{name}/versions/{version}",
            json={"newLabels": ["production"]},
            auth=_auth(writer),
            timeout=10,
        )
        assert moved.status_code == 200, moved.text
        assert _fetch(reader, name) == (version, ["one", "two"][version - 1])
        assert _fetch(reader, name) == (version, ["one", "two"][version - 1])


def test_a_new_version_through_one_process_is_seen_by_the_others_next_fetch(two_processes):
    writer, reader = two_processes
    name = "growing"
    _create(writer, name, "one", ["production"])
    assert _warm(reader, name, label="latest") == (1, "one")
    assert _warm(reader, name) == (1, "one")
    _create(writer, name, "two", ["production"])
    assert _fetch(reader, name, label="latest") == (2, "two")
    assert _fetch(reader, name) == (2, "two")


def test_a_deletion_through_one_process_is_seen_by_the_others_next_fetch(two_processes):
    writer, reader = two_processes
    name = "deleted"
    _create(writer, name, "one", ["production"])
    _create(writer, name, "two", ["staging"])
    assert _warm(reader, name, label="staging") == (2, "two")
    assert _warm(reader, name) == (1, "one")
    deleted = requests.delete(
        f"{writer.url}/api/public/v2/prompts/{name}", params={"version": 2}, auth=_auth(writer), timeout=10
    )
    assert deleted.status_code == 204, deleted.text
    assert _fetch(reader, name, label="staging") == 404
    assert _fetch(reader, name) == (1, "one")
    assert requests.delete(f"{writer.url}/api/public/v2/prompts/{name}", auth=_auth(writer), timeout=10).ok
    assert _fetch(reader, name) == 404


def test_a_revoked_key_is_refused_by_the_other_process_at_once(two_processes):
    """Last in the module: it revokes the servers' key."""
    writer, reader = two_processes
    name = "revoked"
    _create(writer, name, "one", ["production"])
    assert _warm(reader, name) == (1, "one")
    writer.manage("revoke_api_key", writer.public_key)
    assert _fetch(reader, name) == 401
