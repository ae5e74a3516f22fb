"""Start AISTRALE as in production (gunicorn, several workers) for a benchmark, and stop it after.

Usage from a benchmark:

    with production_server(database_url=..., workers=4) as server:
        server.url, server.public_key, server.secret_key
"""

import contextlib
import os
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VENV_BIN = Path(sys.executable).parent
PUBLIC_KEY = "pk-lf-bench-public"
SECRET_KEY = "sk-lf-bench-secret-0123456789"
DEFAULT_POSTGRES_URL = "postgres://postgres@127.0.0.1:5432/aistrale_bench"


@dataclass(frozen=True)
class Server:
    url: str
    public_key: str
    secret_key: str
    environment: dict = field(default_factory=dict, repr=False)
    pid: int | None = None

    def cpu_seconds(self) -> float:
        """CPU time (user + system) used so far by the server's worker processes."""
        clock = os.sysconf("SC_CLK_TCK")
        children = Path(f"/proc/{self.pid}/task/{self.pid}/children").read_text().split()
        total = 0
        for child in children:
            fields = Path(f"/proc/{child}/stat").read_text().rpartition(")")[2].split()
            total += int(fields[11]) + int(fields[12])
        return total / clock

    def manage(self, *arguments: str) -> str:
        """Run a management command against the server's database and cache; its output."""
        return _manage(self.environment, *arguments)


def _manage(env: dict, *arguments: str) -> str:
    command = [str(VENV_BIN / "python"), str(ROOT / "manage.py"), *arguments]
    return subprocess.run(command, env=env, cwd=ROOT, check=True, stdout=subprocess.PIPE, text=True).stdout


def free_port() -> int:
    """BENCH_PORT when set (a shared machine hands each user a port range), else any free port."""
    if os.environ.get("BENCH_PORT"):
        return int(os.environ["BENCH_PORT"])
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _environment(database_url: str, redis_url: str | None, settings_module: str, keys: tuple[str, str]) -> dict:
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "SECRET_KEY": "bench-only-secret-key",
        "DEBUG": "0",
        "DJANGO_SETTINGS_MODULE": settings_module,
        "AISTRALE_INIT_PROJECT_PUBLIC_KEY": keys[0],
        "AISTRALE_INIT_PROJECT_SECRET_KEY": keys[1],
        "AISTRALE_INIT_PROJECT_NAME": "Bench",
        "AISTRALE_INIT_USER_PASSWORD": "bench-password",
    }
    env.pop("REDIS_URL", None)
    if redis_url:
        env["REDIS_URL"] = redis_url
    return env


def ensure_postgres_database(database_url: str) -> None:
    """Create the benchmark's PostgreSQL database when it is missing."""
    import psycopg

    base, _, name = database_url.rpartition("/")
    with psycopg.connect(f"{base}/postgres", autocommit=True) as connection:
        exists = connection.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone()
        if not exists:
            connection.execute(f'CREATE DATABASE "{name}"')


@contextlib.contextmanager
def production_server(
    *,
    database_url: str,
    redis_url: str | None = None,
    workers: int = 4,
    threads: int = 1,
    settings_module: str = "aistrale.settings",
    worker_class: str | None = None,
    keys: tuple[str, str] = (PUBLIC_KEY, SECRET_KEY),
    port: int | None = None,
):
    """Migrate, bootstrap the key pair (the bench pair by default), run gunicorn (on `port`, a free one by
    default); yields a Server, stops it on exit."""
    if database_url.startswith("postgres"):
        ensure_postgres_database(database_url)
    env = _environment(database_url, redis_url, settings_module, keys)
    _manage(env, "migrate", "--noinput", "-v", "0")
    _manage(env, "bootstrap")
    port = port or free_port()
    process = subprocess.Popen(
        [
            str(VENV_BIN / "gunicorn"),
            "aistrale.wsgi",
            f"--bind=127.0.0.1:{port}",
            f"--workers={workers}",
            f"--threads={threads}",
            *([f"--worker-class={worker_class}"] if worker_class else []),
            "--log-level=warning",
            "--timeout=120",
        ],
        env=env,
        cwd=ROOT,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_healthy(url, process)
        yield Server(url=url, public_key=keys[0], secret_key=keys[1], environment=env, pid=process.pid)
    finally:
        process.terminate()
        process.wait(timeout=30)


def _wait_healthy(url: str, process: subprocess.Popen, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server exited with code {process.returncode}")
        with contextlib.suppress(OSError), urllib.request.urlopen(f"{url}/api/public/health", timeout=2) as response:
            if response.status == 200:
                return
        time.sleep(0.2)
    raise RuntimeError("server did not become healthy in time")
