"""Gateway streaming overhead: concurrent streaming clients through the gateway vs straight to the provider.

    .venv/bin/python -m bench.gateway                         # PostgreSQL + Redis, 64 clients, 3 streams each
    .venv/bin/python -m bench.gateway --clients 16 --rounds 1 --database-url sqlite:////tmp/gw.sqlite3 --redis-url ""

A fake OpenAI provider (bench/gateway_load.py: one asyncio loop, in a process of its own) streams --tokens
chunks over --stream-seconds. gunicorn (gthread workers) serves the gateway with a route `bench-stream` to it.
The clients (one asyncio loop in a third process) measure each path, straight to the provider and through
the gateway, side by side in one run, with --clients streaming clients.
Steady state: each client starts stream_seconds/clients after the previous one and streams --rounds + 1
times in a row (its first stream, the ramp-up, not counted), so --clients streams are always in flight and
requests arrive spread out. Burst: then all clients start one stream at the same instant.
Every stream opens its own connection on both paths (the fake provider closes its streams' connections).
Time to first token is the time to the first byte of the event stream; total is the time to its end.
Prints one JSON line: for each mode, p50/p99 of both paths and the gateway's added time (gateway minus
direct, per percentile), the gateway workers' CPU time per stream (user + system, every gateway stream
counted, trace writes included: a figure the machine's other load hardly moves), and the load average.
"""

import argparse
import json
import os
import statistics
import subprocess
import sys

from bench.server import ROOT, production_server

DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/aistrale_gateway"
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/6"
ALIAS = "bench-stream"
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
    parser.add_argument("--port", type=int, default=9350, help="the gateway's; the provider's is the next one")
    parser.add_argument("--database-url", default=os.environ.get("DATABASE_URL", DEFAULT_DATABASE_URL))
    parser.add_argument("--redis-url", default=os.environ.get("REDIS_URL", DEFAULT_REDIS_URL))
    options = parser.parse_args()

    provider_port = options.port + 1
    provider = subprocess.Popen(
        [sys.executable, "-m", "bench.gateway_load", "provider", str(provider_port)]
        + [str(options.tokens), str(options.stream_seconds)],
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
            port=options.port,
        ) as server:
            server.manage("shell", "-c", ROUTE.format(public_key=server.public_key, alias=ALIAS, url=provider_url))
            load_before, cpu_before = os.getloadavg(), server.cpu_seconds()
            samples = measure(options, server, provider_port)
            load_after, cpu = os.getloadavg(), server.cpu_seconds() - cpu_before
    finally:
        provider.terminate()
        provider.wait(timeout=10)
    print(json.dumps(figures(options, samples, load_before, load_after, cpu)))


def measure(options, server, provider_port: int) -> dict:
    """The samples of both paths, from the client process."""
    messages = [{"role": "user", "content": "stream please"}]
    plan = {
        "clients": options.clients,
        "rounds": options.rounds,
        "spread": options.stream_seconds,
        "paths": {
            "direct": {
                "port": provider_port,
                "path": "/v1/chat/completions",
                "authorization": "Bearer sk-fake",
                "body": {"model": "fake", "messages": messages, "stream": True},
            },
            "gateway": {
                "port": options.port,
                "path": "/api/v1/chat/completions",
                "authorization": f"Bearer {server.secret_key}",
                "body": {"model": ALIAS, "messages": messages, "stream": True},
            },
        },
    }
    clients = subprocess.run(
        [sys.executable, "-m", "bench.gateway_load", "client"],
        input=json.dumps(plan),
        cwd=ROOT,
        check=True,
        stdout=subprocess.PIPE,
        text=True,
    )
    return json.loads(clients.stdout)


def figures(options, samples: dict, load_before, load_after, cpu: float) -> dict:
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
        "load_average_before": [round(value, 2) for value in load_before],
        "load_average_after": [round(value, 2) for value in load_after],
        "gateway_cpu_ms_per_stream": round(cpu * 1000 / (options.clients * (options.rounds + 2)), 2),
    }
    for mode, by_path in samples.items():
        summaries = {
            name: {
                "ttft_ms": summary([ttft for ttft, _ in values]),
                "total_ms": summary([total for _, total in values]),
            }
            for name, values in by_path.items()
        }
        added = {
            figure: {
                key: round(summaries["gateway"][figure][key] - summaries["direct"][figure][key], 1)
                for key in ("p50", "p99")
            }
            for figure in ("ttft_ms", "total_ms")
        }
        result[mode] = {**summaries, "added": added, "samples": len(by_path["gateway"])}
    return result


if __name__ == "__main__":
    main()
