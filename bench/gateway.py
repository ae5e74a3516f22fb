"""Gateway streaming overhead: concurrent streaming clients through the gateway vs straight to the provider.

    .venv/bin/python -m bench.gateway                         # PostgreSQL + Redis, 64 clients, 3 streams each
    .venv/bin/python -m bench.gateway --clients 16 --rounds 1 --database-url sqlite:////tmp/gw.sqlite3 --redis-url ""

A fake OpenAI provider (tests/fakes/provider.py, in a process of its own) streams --tokens chunks over
--stream-seconds. gunicorn (gthread workers) serves the gateway with a route `bench-stream` to it. Each
path (straight to the provider, then through the gateway) is measured with --clients streaming clients.
Steady state: each client starts stream_seconds/clients after the previous one and streams --rounds + 1
times in a row (its first stream, the ramp-up, not counted), so --clients streams are always in flight and
requests arrive spread out. Burst: then all clients start one stream at the same instant.
Every stream opens its own connection on both paths (the fake provider closes its streams' connections).
Time to first token is the time to the first byte of the event stream; total is the time to its end.
Prints one JSON line: for each mode, p50/p99 of both paths and the gateway's added time (gateway minus
direct, per percentile).
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import threading
import time

import httpx

from bench.server import ROOT, production_server

DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/aistrale_gateway"
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/6"
ALIAS = "bench-stream"
PROVIDER = """
import sys, time
from tests.fakes import provider
provider._Server.request_queue_size = 1024
tokens, seconds = int(sys.argv[1]), float(sys.argv[2])
reply = provider.Reply(text="tok " * tokens, chunks=tokens, chunk_interval=seconds / max(tokens - 1, 1))
fake = provider.FakeProvider(lambda request: reply).start()
print(fake.openai_url, flush=True)
while True:
    time.sleep(3600)
"""
ROUTE = """
from aistrale.llm.models import LlmConnection
from aistrale.tenancy.models import ApiKey
from observability.gateway.services import gateway_route_save
from observability.models import GatewayRoute
project = ApiKey.objects.get(public_key={public_key!r}).project
GatewayRoute.objects.filter(project=project, alias={alias!r}).delete()
LlmConnection.objects.filter(project=project, id="bench-fake").delete()
connection = LlmConnection.objects.create(
    project=project, id="bench-fake", provider="bench-fake", adapter="openai", secret_key="sk-fake", base_url={url!r}
)
target = {{"connection": connection, "model": "fake"}}
gateway_route_save(route=None, project=project, alias={alias!r}, targets=[target])
"""


def _stream(client: httpx.Client, url: str, headers: dict, body: dict) -> tuple[float, float]:
    began = time.perf_counter()
    first = None
    with client.stream("POST", url, json=body, headers={**headers, "Connection": "close"}) as response:
        if response.status_code != 200:
            raise RuntimeError(f"{url} answered {response.status_code}: {response.read()[:300]!r}")
        for chunk in response.iter_raw():
            if first is None and chunk:
                first = time.perf_counter()
    ended = time.perf_counter()
    return (first - began) * 1000, (ended - began) * 1000


def _run(clients: list[httpx.Client], work) -> list[list[tuple[float, float]]]:
    """work(index, client) -> samples, on a thread per client; every client's samples, errors raised after."""
    results: list = [None] * len(clients)

    def run(index: int) -> None:
        try:
            results[index] = work(index, clients[index])
        except Exception as error:  # noqa: BLE001  (reported after the run)
            results[index] = error

    threads = [threading.Thread(target=run, args=(index,)) for index in range(len(clients))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    failed = [result for result in results if isinstance(result, Exception)]
    if failed:
        raise RuntimeError(f"{len(failed)} of {len(results)} clients failed, e.g. {failed[0]!r}")
    return results


def steady(clients, url, headers, body, *, streams: int, spread: float) -> list[tuple[float, float]]:
    """Each client starts index/len of `spread` late, then streams `streams` times in a row; its first stream
    (the ramp-up, connections opening) is not counted. Requests then arrive spread out, as in production."""

    def work(index, client):
        time.sleep(spread * index / len(clients))
        return [_stream(client, url, headers, body) for _ in range(streams)][1:]

    return [sample for samples in _run(clients, work) for sample in samples]


def burst(clients, url, headers, body) -> list[tuple[float, float]]:
    """Every client starts one stream at the same instant (a barrier)."""
    barrier = threading.Barrier(len(clients))

    def work(index, client):
        barrier.wait()
        return [_stream(client, url, headers, body)]

    return [sample for samples in _run(clients, work) for sample in samples]


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def summary(values: list[float]) -> dict:
    return {"p50": round(statistics.median(values), 1), "p99": round(percentile(values, 0.99), 1)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=64)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--tokens", type=int, default=200)
    parser.add_argument("--stream-seconds", type=float, default=2.0)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=64)
    parser.add_argument("--database-url", default=os.environ.get("DATABASE_URL", DEFAULT_DATABASE_URL))
    parser.add_argument("--redis-url", default=os.environ.get("REDIS_URL", DEFAULT_REDIS_URL))
    options = parser.parse_args()

    provider = subprocess.Popen(
        [sys.executable, "-c", PROVIDER, str(options.tokens), str(options.stream_seconds)],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        provider_url = provider.stdout.readline().strip()
        with production_server(
            database_url=options.database_url,
            redis_url=options.redis_url or None,
            workers=options.workers,
            threads=options.threads,
            worker_class="gthread",
        ) as server:
            server.manage("shell", "-c", ROUTE.format(public_key=server.public_key, alias=ALIAS, url=provider_url))
            figures = measure(options, server, provider_url)
    finally:
        provider.terminate()
        provider.wait(timeout=10)
    print(json.dumps(figures))


def measure(options, server, provider_url: str) -> dict:
    messages = [{"role": "user", "content": "stream please"}]
    paths = {
        "direct": (f"{provider_url}/chat/completions", {"Authorization": "Bearer sk-fake"}, "fake"),
        "gateway": (f"{server.url}/api/v1/chat/completions", {"Authorization": f"Bearer {server.secret_key}"}, ALIAS),
    }
    timeout = httpx.Timeout(options.stream_seconds * 10 + 30)
    clients = [httpx.Client(timeout=timeout) for _ in range(options.clients)]
    figures = {"steady": {}, "burst": {}}
    try:
        for name, (url, headers, model) in paths.items():
            body = {"model": model, "messages": messages, "stream": True}
            streams = options.rounds + 1
            figures["steady"][name] = steady(
                clients, url, headers, body, streams=streams, spread=options.stream_seconds
            )
            figures["burst"][name] = burst(clients, url, headers, body)
    finally:
        for client in clients:
            client.close()
    result = {
        "figure": "gateway_stream_overhead",
        "clients": options.clients,
        "streams_per_client": options.rounds,
        "tokens": options.tokens,
        "stream_seconds": options.stream_seconds,
        "workers": options.workers,
        "threads": options.threads,
        "database": options.database_url.split(":")[0],
        "target_p99_added_ttft_ms": 20,
    }
    for mode, samples in figures.items():
        summaries = {
            name: {
                "ttft_ms": summary([ttft for ttft, _ in values]),
                "total_ms": summary([total for _, total in values]),
            }
            for name, values in samples.items()
        }
        added = {
            figure: {
                key: round(summaries["gateway"][figure][key] - summaries["direct"][figure][key], 1)
                for key in ("p50", "p99")
            }
            for figure in ("ttft_ms", "total_ms")
        }
        result[mode] = {**summaries, "added": added, "samples": len(samples["gateway"])}
    return result


if __name__ == "__main__":
    main()
