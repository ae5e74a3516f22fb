"""Ingestion benchmark: realistic LLM traces over OTLP protobuf against a production-style server.

Each trace is an agent root with a retriever, a tool and a generation (~1 KB input and output).
C clients send requests of S spans concurrently. Prints one JSON line per figure: accepted spans/s
(all requests answered), durable spans/s (until every row is queryable in the database) and request
latency p50/p99, and the CPU time the server's workers spent per span (the figure load on a shared
machine moves least). PostgreSQL's statistics are refreshed after the warm-up, as autovacuum keeps a
table in use. On PostgreSQL the same run then times one client COPYing the stored observation rows
(same shape and content, the table's indexes) into a scratch table, and prints the database's own
rate and the ratio durable spans/s / COPY rows/s.

    python -m bench.ingest --traces 5000 --clients 8 --spans-per-request 100
    python -m bench.ingest --database sqlite
"""

import argparse
import base64
import json
import os
import random
import sqlite3
import sys
import tempfile
import threading
import time
import urllib.parse
from http.client import HTTPConnection
from pathlib import Path

from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest
from opentelemetry.proto.common.v1.common_pb2 import AnyValue, KeyValue

from bench.server import DEFAULT_POSTGRES_URL, production_server

SPANS_PER_TRACE = 4
DURABLE_TIMEOUT = 120


def _attribute(key: str, value) -> KeyValue:
    if isinstance(value, int):
        return KeyValue(key=key, value=AnyValue(int_value=value))
    return KeyValue(key=key, value=AnyValue(string_value=value))


def _text(rng: random.Random, size: int) -> str:
    words = ["model", "token", "answer", "context", "policy", "refund", "order", "customer", "latency", "invoice"]
    return " ".join(rng.choice(words) for _ in range(size // 7))[:size]


def _trace_spans(rng: random.Random, index: int, start_ns: int) -> list[dict]:
    trace_id = rng.randbytes(16)
    root_id, retriever_id, tool_id, llm_id = (rng.randbytes(8) for _ in range(4))
    question = _text(rng, 200)
    messages = json.dumps([{"role": "system", "content": _text(rng, 400)}, {"role": "user", "content": question}])
    common = {"user.id": f"user-{index % 50}", "session.id": f"session-{index % 200}", "langfuse.environment": "bench"}

    def span(span_id, parent, name, offset_ms, duration_ms, attributes):
        return {
            "trace_id": trace_id,
            "span_id": span_id,
            "parent_span_id": parent,
            "name": name,
            "start_time_unix_nano": start_ns + offset_ms * 1_000_000,
            "end_time_unix_nano": start_ns + (offset_ms + duration_ms) * 1_000_000,
            "attributes": [_attribute(k, v) for k, v in {**common, **attributes}.items()],
        }

    return [
        span(
            root_id,
            b"",
            "support-agent",
            0,
            900,
            {
                "langfuse.observation.type": "agent",
                "langfuse.trace.name": "support-chat",
                "langfuse.trace.tags": json.dumps(["bench", "agent"]),
                "langfuse.observation.input": json.dumps({"question": question}),
                "langfuse.observation.output": json.dumps({"answer": _text(rng, 300)}),
            },
        ),
        span(
            retriever_id,
            root_id,
            "vector-search",
            10,
            80,
            {
                "langfuse.observation.type": "retriever",
                "langfuse.observation.input": json.dumps({"query": question}),
                "langfuse.observation.output": json.dumps(
                    [{"id": f"doc-{i}", "text": _text(rng, 120)} for i in range(3)]
                ),
            },
        ),
        span(
            tool_id,
            root_id,
            "lookup-order",
            100,
            40,
            {"gen_ai.operation.name": "execute_tool", "gen_ai.tool.name": "lookup_order", "order.id": str(index)},
        ),
        span(
            llm_id,
            root_id,
            "chat gpt-4o-mini",
            150,
            700,
            {
                "gen_ai.operation.name": "chat",
                "gen_ai.system": "openai",
                "gen_ai.request.model": "gpt-4o-mini",
                "gen_ai.request.temperature": "0.2",
                "gen_ai.usage.input_tokens": 800 + index % 100,
                "gen_ai.usage.output_tokens": 200 + index % 50,
                "gen_ai.input.messages": messages,
                "gen_ai.output.messages": json.dumps([{"role": "assistant", "content": _text(rng, 1000)}]),
            },
        ),
    ]


def build_requests(traces: int, spans_per_request: int, seed: int = 7) -> list[bytes]:
    """Protobuf bodies built before the clock starts, so the figures measure the server."""
    rng = random.Random(seed)
    start_ns = time.time_ns()
    spans = [s for index in range(traces) for s in _trace_spans(rng, index, start_ns + index * 1_000_000)]
    bodies = []
    for offset in range(0, len(spans), spans_per_request):
        message = ExportTraceServiceRequest()
        resource_spans = message.resource_spans.add()
        resource_spans.resource.attributes.append(_attribute("service.name", "bench-agent"))
        scope_spans = resource_spans.scope_spans.add()
        scope_spans.scope.name = "langfuse-sdk"
        scope_spans.scope.version = "5.0.4"
        for span in spans[offset : offset + spans_per_request]:
            scope_spans.spans.add(**span)
        bodies.append(message.SerializeToString())
    return bodies


def send_all(url: str, auth: str, bodies: list[bytes], clients: int) -> tuple[float, list[float], int]:
    """(seconds until every request was answered, latencies in ms, failures)."""
    parsed = urllib.parse.urlparse(url)
    queue = list(enumerate(bodies))
    lock = threading.Lock()
    latencies: list[float] = []
    failures = [0]
    headers = {"Content-Type": "application/x-protobuf", "Authorization": auth}

    def worker():
        connection = HTTPConnection(parsed.hostname, parsed.port, timeout=120)
        while True:
            with lock:
                if not queue:
                    break
                _, body = queue.pop()
            started = time.perf_counter()
            try:
                connection.request("POST", "/api/public/otel/v1/traces", body=body, headers=headers)
                response = connection.getresponse()
                response.read()
                ok = response.status == 200
                if response.getheader("Connection", "").lower() == "close":
                    connection.close()
            except OSError:
                ok = False
                connection.close()
            elapsed = (time.perf_counter() - started) * 1000
            with lock:
                latencies.append(elapsed)
                failures[0] += 0 if ok else 1
        connection.close()

    threads = [threading.Thread(target=worker) for _ in range(clients)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return time.perf_counter() - started, latencies, failures[0]


def count_observations(database_url: str) -> int:
    if database_url.startswith("sqlite"):
        with sqlite3.connect(database_url.removeprefix("sqlite:///")) as connection:
            return connection.execute("SELECT count(*) FROM observability_observation").fetchone()[0]
    import psycopg

    with psycopg.connect(database_url) as connection:
        return connection.execute("SELECT count(*) FROM observability_observation").fetchone()[0]


def reset(database_url: str) -> None:
    """Start from an empty database; only one whose name says it is a benchmark's is dropped."""
    if database_url.startswith("sqlite"):
        return
    import psycopg

    base, _, name = database_url.rpartition("/")
    if "bench" not in name:
        raise SystemExit(f"refusing to drop {name!r}: the benchmark database's name must contain 'bench'")
    with psycopg.connect(f"{base}/postgres", autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def analyze(database_url: str) -> None:
    """Refresh PostgreSQL's statistics after the warm-up, as autovacuum does on a table in use: a fresh
    table's empty statistics would plan the writes' id lookups as scans of the project's rows."""
    if database_url.startswith("sqlite"):
        return
    import psycopg

    with psycopg.connect(database_url, autocommit=True) as connection:
        connection.execute("ANALYZE")


def copy_rows_per_second(database_url: str, rows: int) -> float:
    """Rows/s of one client COPYing `rows` stored observations into an empty copy of the table, indexes included."""
    import psycopg

    table, scratch = "observability_observation", "bench_copy_observation"
    with psycopg.connect(database_url) as connection:
        data = bytearray()
        select = f"SELECT * FROM {table} ORDER BY key DESC LIMIT {int(rows)}"
        with connection.cursor().copy(f"COPY ({select}) TO STDOUT (FORMAT binary)") as copy:
            for chunk in copy:
                data += chunk
        connection.execute(f"DROP TABLE IF EXISTS {scratch}")
        connection.execute(f"CREATE TABLE {scratch} (LIKE {table} INCLUDING ALL)")
        connection.commit()
        started = time.perf_counter()
        with connection.cursor().copy(f"COPY {scratch} FROM STDIN (FORMAT binary)") as copy:
            copy.write(data)
        connection.commit()
        seconds = time.perf_counter() - started
        copied = connection.execute(f"SELECT count(*) FROM {scratch}").fetchone()[0]
        connection.execute(f"DROP TABLE {scratch}")
        connection.commit()
    return copied / seconds


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(fraction * (len(ordered) - 1))))]


def emit(figure: str, value: float, unit: str, **context) -> None:
    print(json.dumps({"benchmark": "ingest", "figure": figure, "value": round(value, 2), "unit": unit, **context}))
    sys.stdout.flush()


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--traces", type=int, default=5000)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--spans-per-request", type=int, default=100)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--database", choices=["postgres", "sqlite"], default="postgres")
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL", DEFAULT_POSTGRES_URL))
    parser.add_argument("--warmup-requests", type=int, default=48)
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory() as directory:
        database_url = args.database_url
        if args.database == "sqlite":
            database_url = f"sqlite:///{Path(directory) / 'bench.sqlite3'}"
        else:
            reset(database_url)
        bodies = build_requests(args.traces, args.spans_per_request)
        warmup = build_requests(
            args.warmup_requests * args.spans_per_request // SPANS_PER_TRACE, args.spans_per_request, 99
        )
        spans = args.traces * SPANS_PER_TRACE
        context = {
            "database": args.database,
            "clients": args.clients,
            "spans_per_request": args.spans_per_request,
            "spans": spans,
            "workers": args.workers,
        }
        with production_server(database_url=database_url, workers=args.workers) as server:
            auth = "Basic " + base64.b64encode(f"{server.public_key}:{server.secret_key}".encode()).decode()
            send_all(server.url, auth, warmup, args.clients)
            analyze(database_url)
            baseline = count_observations(database_url)
            cpu_before = server.cpu_seconds()
            started = time.perf_counter()
            accepted_seconds, latencies, failures = send_all(server.url, auth, bodies, args.clients)
            deadline = started + DURABLE_TIMEOUT
            while count_observations(database_url) < baseline + spans and time.perf_counter() < deadline:
                time.sleep(0.05)
            durable_seconds = time.perf_counter() - started
            stored = count_observations(database_url) - baseline
            cpu_seconds = server.cpu_seconds() - cpu_before
        emit("accepted_spans_per_second", spans / accepted_seconds, "spans/s", failures=failures, **context)
        emit("durable_spans_per_second", stored / durable_seconds, "spans/s", stored=stored, **context)
        emit("request_latency_p50", percentile(latencies, 0.50), "ms", **context)
        emit("request_latency_p99", percentile(latencies, 0.99), "ms", **context)
        emit("worker_cpu_per_span", cpu_seconds * 1000 / spans, "ms", **context)
        if args.database == "postgres":
            copy_rate = copy_rows_per_second(database_url, stored)
            emit("copy_rows_per_second", copy_rate, "rows/s", **context)
            emit("durable_to_copy_ratio", stored / durable_seconds / copy_rate, "ratio", target=0.30, **context)
    return 0 if failures == 0 and stored == spans else 1


if __name__ == "__main__":
    sys.exit(main())
