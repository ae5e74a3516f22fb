"""Several real gunicorn workers (Redis when REDIS_URL is set): a revoked key is refused everywhere at once."""

import os
import shutil
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests

from bench.server import VENV_BIN, production_server

pytestmark = pytest.mark.skipif(shutil.which("gunicorn", path=str(VENV_BIN)) is None, reason="needs gunicorn")

FETCHES = 60


def statuses(url: str, auth: tuple[str, str]) -> set[int]:
    """Status codes of FETCHES fetches, each on a new connection, six at a time, so every worker gets some."""
    with ThreadPoolExecutor(6) as pool:
        return set(pool.map(lambda _: requests.get(url, auth=auth, timeout=10).status_code, range(FETCHES)))


def test_revocation_and_wrong_secrets_are_refused_by_every_warm_worker(tmp_path):
    database_url = f"sqlite:///{tmp_path / 'workers.sqlite3'}"
    redis_url = os.environ.get("REDIS_URL")
    with production_server(database_url=database_url, redis_url=redis_url, workers=3, threads=2) as server:
        auth = (server.public_key, server.secret_key)
        created = requests.post(
            f"{server.url}/api/public/v2/prompts",
            json={"name": "spread", "prompt": "one", "labels": ["production"]},
            auth=auth,
            timeout=10,
        )
        assert created.status_code == 200, created.text
        url = f"{server.url}/api/public/v2/prompts/spread"
        assert statuses(url, auth) == {200}
        assert statuses(url, auth) == {200}
        assert statuses(url, (server.public_key, "sk-lf-wrong-secret-0000000000")) == {401}
        server.manage("revoke_api_key", server.public_key)
        assert statuses(url, auth) == {401}


def versions(url: str, auth: tuple[str, str]) -> set[int]:
    """Versions served by FETCHES fetches spread over the workers as in `statuses`."""
    with ThreadPoolExecutor(6) as pool:
        return set(pool.map(lambda _: requests.get(url, auth=auth, timeout=10).json()["version"], range(FETCHES)))


def test_a_label_move_is_served_by_every_warm_worker_at_once(tmp_path):
    database_url = f"sqlite:///{tmp_path / 'workers.sqlite3'}"
    with production_server(database_url=database_url, redis_url=os.environ.get("REDIS_URL"), workers=3) as server:
        auth = (server.public_key, server.secret_key)
        api = f"{server.url}/api/public/v2/prompts"
        for text in ("one", "two"):
            created = requests.post(
                api, json={"name": "moving", "prompt": text, "labels": ["production"]}, auth=auth, timeout=10
            )
            assert created.status_code == 200, created.text
        url = f"{api}/moving"
        assert versions(url, auth) == {2}
        assert versions(url, auth) == {2}
        for version in (1, 2, 1):
            moved = requests.patch(
                f"{url}/versions/{version}", json={"newLabels": ["production"]}, auth=auth, timeout=10
            )
            assert moved.status_code == 200, moved.text
            assert versions(url, auth) == {version}
