"""PostgreSQL goes away mid-load and comes back: every span the real clients created is stored in the end.

A gunicorn server (bench.server.production_server) runs on a database of this test's own; the outage is
`ALTER DATABASE ... ALLOW_CONNECTIONS false` plus terminating that database's connections, so nothing
else on the machine is disturbed. The OpenTelemetry OTLP/HTTP exporter and the Langfuse SDK send
through BatchSpanProcessors while it lasts. The server answers 503 with `Retry-After:
AISTRALE_RETRY_AFTER_SECONDS` (2 s here); the exporter makes at most 6 attempts per batch and honours
Retry-After within its timeout (30 s here), so a batch outlives an outage of up to 5 x 2 = 10 s after
its first attempt. The outage lasts OUTAGE_SECONDS plus until both clients were seen refused, bounded
by REFUSED_TIMEOUT, well inside that window.
"""

import os
import threading
import time
import urllib.error
import urllib.request
import uuid
from pathlib import Path

import psycopg
import pytest
from langfuse import Langfuse
from langfuse._client.resource_manager import LangfuseResourceManager
from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor

from bench.server import production_server
from tests.clients import basic_auth

DATABASE_URL = os.environ.get("DATABASE_URL", "")
pytestmark = pytest.mark.skipif(
    not DATABASE_URL.startswith("postgres"), reason="the fault suite needs DATABASE_URL on PostgreSQL"
)

RETRY_AFTER_SECONDS = 2
EXPORT_TIMEOUT_SECONDS = 30
OUTAGE_SECONDS = 3
REFUSED_TIMEOUT = 5
SPAN_INTERVAL_SECONDS = 0.02
CLIENTS = ("otel", "langfuse")
POLL_SECONDS = 0.05


def wait_until(condition, *, timeout: float, what: str) -> None:
    """Poll `condition` every POLL_SECONDS (each poll may open a connection) until it holds or time runs out."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"not met within {timeout} s: {what}")
        time.sleep(POLL_SECONDS)
        time.sleep(0.05)


class FaultDatabase:
    """A database of the test's own on the PostgreSQL server of DATABASE_URL, and a handle to take it away."""

    def __init__(self, url: str):
        base, _, name = url.rpartition("/")
        self.name = f"{name.split('?')[0]}_fault"
        self.url = f"{base}/{self.name}"
        self.admin = psycopg.connect(f"{base}/postgres", autocommit=True)
        self.admin.execute(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')
        self.admin.execute(f'CREATE DATABASE "{self.name}"')

    def take_down(self) -> None:
        self.admin.execute(f'ALTER DATABASE "{self.name}" ALLOW_CONNECTIONS false')
        self.admin.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()",
            (self.name,),
        )

    def bring_back(self) -> None:
        self.admin.execute(f'ALTER DATABASE "{self.name}" ALLOW_CONNECTIONS true')

    def ids(self, table: str, column: str, wanted: set[str]) -> set[str]:
        with psycopg.connect(self.url) as connection:
            query = f"SELECT {column} FROM {table} WHERE {column} = ANY(%s)"  # noqa: S608  fixed names
            return {row[0] for row in connection.execute(query, (list(wanted),))}

    def drop(self) -> None:
        self.bring_back()
        self.admin.execute(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')
        self.admin.close()


class AccessLog:
    """gunicorn's access log, one `<client> <status>` line per request."""

    FORMAT = "%({x-fault-client}i)s %(s)s"

    def __init__(self, path: Path):
        self.path = path

    def refused(self, client: str) -> bool:
        lines = self.path.read_text().splitlines() if self.path.exists() else []
        return f"{client} 503" in lines


class Producer:
    """Creates spans at a steady pace on its own thread and remembers their ids."""

    def __init__(self, make_span):
        self.make_span = make_span
        self.span_ids: list[str] = []
        self.trace_ids: list[str] = []
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self.run, daemon=True)

    def run(self) -> None:
        number = 0
        while not self.stop.wait(SPAN_INTERVAL_SECONDS):
            trace_id, span_id = self.make_span(f"fault-{number}")
            self.trace_ids.append(trace_id)
            self.span_ids.append(span_id)
            number += 1


@pytest.fixture
def fault_database():
    database = FaultDatabase(DATABASE_URL)
    yield database
    database.drop()


@pytest.fixture
def access_log(tmp_path):
    return AccessLog(tmp_path / "access.log")


@pytest.fixture
def outage_server(fault_database, access_log, monkeypatch):
    """gunicorn on the fault database, writing `access_log`, answering outages with a short Retry-After."""
    monkeypatch.setenv("AISTRALE_RETRY_AFTER_SECONDS", str(RETRY_AFTER_SECONDS))
    monkeypatch.setenv(
        "GUNICORN_CMD_ARGS", f"--access-logfile {access_log.path} --access-logformat '{AccessLog.FORMAT}'"
    )
    # A key pair of its own: the Langfuse SDK keeps one client per public key for the whole process,
    # and another test's client for the bench key (another server, tracing off) would be reused.
    keys = (f"pk-lf-fault-{uuid.uuid4().hex}", f"sk-lf-fault-{uuid.uuid4().hex}")
    with production_server(database_url=fault_database.url, workers=2, keys=keys) as server:
        yield server


def otel_producer(server) -> tuple[Producer, TracerProvider]:
    exporter = OTLPSpanExporter(
        endpoint=f"{server.url}/api/public/otel/v1/traces",
        headers={"Authorization": basic_auth(server.public_key, server.secret_key), "x-fault-client": "otel"},
        timeout=EXPORT_TIMEOUT_SECONDS,
    )
    provider = TracerProvider(resource=Resource.create({"service.name": "fault"}))
    provider.add_span_processor(BatchSpanProcessor(exporter, schedule_delay_millis=100, max_queue_size=100_000))
    tracer = provider.get_tracer("fault")

    def make_span(name):
        with tracer.start_as_current_span(name) as span:
            context = span.get_span_context()
        return format(context.trace_id, "032x"), format(context.span_id, "016x")

    return Producer(make_span), provider


def langfuse_producer(server) -> tuple[Producer, Langfuse]:
    """A Langfuse client on a provider of its own: the global one may be shut down by an earlier test."""
    client = Langfuse(
        public_key=server.public_key,
        secret_key=server.secret_key,
        base_url=server.url,
        timeout=EXPORT_TIMEOUT_SECONDS,
        flush_interval=0.1,
        additional_headers={"x-fault-client": "langfuse"},
        tracer_provider=TracerProvider(),
    )

    def make_span(name):
        span = client.start_observation(name=name, as_type="span")
        span.end()
        return span.trace_id, span.id

    return Producer(make_span), client


def test_every_span_survives_a_database_outage(outage_server, access_log, fault_database):
    otel, provider = otel_producer(outage_server)
    langfuse, client = langfuse_producer(outage_server)
    producers = (otel, langfuse)
    try:
        for producer in producers:
            producer.thread.start()
        wait_until(
            lambda: all(fault_database.ids("observability_observation", "id", set(p.span_ids)) for p in producers),
            timeout=30,
            what="both clients store spans before the outage",
        )

        fault_database.take_down()
        down_since = time.monotonic()
        wait_until(
            lambda: all(access_log.refused(name) for name in CLIENTS),
            timeout=REFUSED_TIMEOUT,
            what="the server refuses both clients with 503",
        )
        wait_until(lambda: time.monotonic() - down_since >= OUTAGE_SECONDS, timeout=OUTAGE_SECONDS, what="outage")
        with pytest.raises(urllib.error.HTTPError) as health:
            urllib.request.urlopen(f"{outage_server.url}/api/public/health", timeout=10)
        assert health.value.code == 503 and health.value.headers["Retry-After"] == str(RETRY_AFTER_SECONDS)
        fault_database.bring_back()
        created = [len(producer.span_ids) for producer in producers]
        wait_until(
            lambda: all(
                fault_database.ids("observability_observation", "id", set(p.span_ids[n:]))
                for p, n in zip(producers, created, strict=True)
            ),
            timeout=30,
            what="both clients store new spans after the outage",
        )
    finally:
        for producer in producers:
            producer.stop.set()
            producer.thread.join(timeout=10)
        provider.force_flush(timeout_millis=60_000)
        client.flush()

    try:
        created_spans = {*otel.span_ids, *langfuse.span_ids}
        created_traces = {*otel.trace_ids, *langfuse.trace_ids}
        assert fault_database.ids("observability_observation", "id", created_spans) == created_spans
        assert fault_database.ids("observability_trace", "id", created_traces) == created_traces
    finally:
        provider.shutdown()
        client.shutdown()
        LangfuseResourceManager._instances.pop(outage_server.public_key, None)
