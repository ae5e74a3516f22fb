"""Labelled prompt fetch vs. the framework's floor, under C concurrent clients, against one server.

    .venv/bin/python -m bench.prompt_fetch --concurrency 16 --duration 10   # PostgreSQL + Redis, as in production
    .venv/bin/python -m bench.prompt_fetch --database-url sqlite:////tmp/bench.sqlite3 --redis-url ""   # embedded

Starts gunicorn with bench.settings (default 4 sync workers: one request per process, and the
kernel hands each new connection to an idle worker; gthread keeps connections alive but pins them
to the worker that accepted them, unevenly, which on 2 cores costs floor and fetch alike a 25-50 ms
p99), creates a prompt labelled production through the API, then alternates rounds of the floor
view and the prompt fetch (Basic auth, as the SDK sends it), each driven by `wrk` (apt-get install
wrk). Prints one JSON line per figure, with the workers' CPU per request (user + system, from /proc):
on a shared machine the CPU ratio moves less than the throughput ratio.
"""

import argparse
import base64
import json
import os
import shutil
import statistics
import subprocess
import tempfile
import urllib.parse
import urllib.request

from bench.server import DEFAULT_POSTGRES_URL, production_server

PROMPT_NAME = "bench/support-agent"
PROMPT_TEXT = "You are a helpful support agent for {{company}}. Answer the customer's question: {{question}}"

WRK_REPORT = """
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format('{"requests":%d,"duration_us":%d,"errors":%d,"p50_us":%d,"p99_us":%d}\\n',
    summary.requests, summary.duration, e.connect + e.read + e.write + e.status + e.timeout,
    latency:percentile(50), latency:percentile(99)))
end
"""


def _authorization(public_key: str, secret_key: str) -> str:
    return "Basic " + base64.b64encode(f"{public_key}:{secret_key}".encode()).decode()


def _create_prompt(url: str, authorization: str) -> None:
    body = json.dumps(
        {"name": PROMPT_NAME, "prompt": PROMPT_TEXT, "labels": ["production"], "config": {"model": "gpt-4o-mini"}}
    ).encode()
    request = urllib.request.Request(
        f"{url}/api/public/v2/prompts",
        data=body,
        headers={"Authorization": authorization, "Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        assert response.status == 200, response.status


def _check(url: str, headers: dict, expect: bytes) -> None:
    """One request up front: the target answers 200 with the expected body (wrk only counts statuses)."""
    with urllib.request.urlopen(urllib.request.Request(url, headers=headers), timeout=10) as response:
        body = response.read()
    if response.status != 200 or expect not in body:
        raise RuntimeError(f"{url} answered {response.status}: {body[:200]!r}")


def measure(url: str, headers: dict, concurrency: int, threads: int, duration: float, script: str) -> dict:
    """One wrk run: requests, errors (socket errors and non-2xx), req/s, p50 and p99 in ms."""
    command = ["wrk", f"-c{concurrency}", f"-t{threads}", f"-d{round(duration)}s", "--latency", "-s", script]
    for name, value in headers.items():
        command += ["-H", f"{name}: {value}"]
    output = subprocess.run([*command, url], check=True, capture_output=True, text=True).stdout
    report = json.loads(next(line for line in reversed(output.splitlines()) if line.startswith("{")))
    return {
        "requests": report["requests"],
        "errors": report["errors"],
        "rps": report["requests"] / (report["duration_us"] / 1e6),
        "p50": report["p50_us"] / 1000,
        "p99": report["p99_us"] / 1000,
    }


def _combine(rounds: list[dict]) -> dict:
    """Throughput over all rounds, the median round's p50, the worst round's p99 (and median worker CPU, when the
    rounds measured it)."""
    keys = ("rps", "p50", "p99", "cpu_us") if all("cpu_us" in round_ for round_ in rounds) else ("rps", "p50", "p99")
    combined = {
        "requests": sum(round_["requests"] for round_ in rounds),
        "errors": sum(round_["errors"] for round_ in rounds),
        "rps": statistics.mean(round_["rps"] for round_ in rounds),
        "p50": statistics.median(round_["p50"] for round_ in rounds),
        "p99": max(round_["p99"] for round_ in rounds),
        "rounds": [{key: round(round_[key], 2) for key in keys} for round_ in rounds],
    }
    if "cpu_us" in keys:
        combined["cpu_us"] = statistics.median(round_["cpu_us"] for round_ in rounds)
    return combined


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--concurrency", type=int, default=16, help="concurrent clients")
    parser.add_argument("--wrk-threads", type=int, default=2)
    parser.add_argument("--duration", type=float, default=10.0, help="seconds per measurement round")
    parser.add_argument("--rounds", type=int, default=3, help="alternating floor/fetch rounds")
    parser.add_argument("--workers", type=int, default=4, help="gunicorn workers")
    parser.add_argument("--threads", type=int, default=1, help="gunicorn threads per worker")
    parser.add_argument("--worker-class", default="sync", help="gunicorn worker class (gthread: keep-alive)")
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL", DEFAULT_POSTGRES_URL))
    parser.add_argument(
        "--redis-url",
        default=os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/0"),
        help='"" for no Redis (local-memory cache)',
    )
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        parser.exit(2, "bench.prompt_fetch needs the wrk load generator: apt-get install -y wrk\n")

    with (
        tempfile.NamedTemporaryFile("w", suffix=".lua") as script,
        production_server(
            database_url=args.database_url,
            redis_url=args.redis_url,
            workers=args.workers,
            threads=args.threads,
            worker_class=args.worker_class,
            settings_module="bench.settings",
        ) as server,
    ):
        script.write(WRK_REPORT)
        script.flush()
        authorization = _authorization(server.public_key, server.secret_key)
        _create_prompt(server.url, authorization)
        fetch_path = f"/api/public/v2/prompts/{urllib.parse.quote(PROMPT_NAME, safe='')}?label=production"
        targets = {
            "floor": (f"{server.url}/bench/floor", {}, b'"floor"'),
            "prompt_fetch": (f"{server.url}{fetch_path}", {"Authorization": authorization}, PROMPT_NAME.encode()),
        }
        for url, headers, expect in targets.values():
            _check(url, headers, expect)
            measure(url, headers, args.concurrency, args.wrk_threads, 2, script.name)
        rounds: dict[str, list[dict]] = {name: [] for name in targets}
        for _ in range(args.rounds):
            for name, (url, headers, _expect) in targets.items():
                began = server.cpu_seconds()
                found = measure(url, headers, args.concurrency, args.wrk_threads, args.duration, script.name)
                found["cpu_us"] = (server.cpu_seconds() - began) / max(found["requests"], 1) * 1e6
                rounds[name].append(found)

    context = {
        "concurrency": args.concurrency,
        "workers": args.workers,
        "threads": args.threads,
        "worker_class": args.worker_class,
        "load_generator": f"wrk -c{args.concurrency} -t{args.wrk_threads}",
        "database": args.database_url.split(":", 1)[0],
        "cache": "redis" if args.redis_url else "locmem",
    }
    figures = {name: _combine(found) for name, found in rounds.items()}
    for name, figure in figures.items():
        for key, unit in (("rps", "req/s"), ("p50", "ms"), ("p99", "ms"), ("cpu_us", "us/request")):
            line = {"benchmark": "prompt_fetch", "figure": f"{name}_{key}", "value": round(figure[key], 2)}
            print(
                json.dumps(
                    {
                        **line,
                        "unit": unit,
                        "requests": figure["requests"],
                        "errors": figure["errors"],
                        "rounds": [found[key] for found in figure["rounds"]],
                        **context,
                    }
                )
            )
    ratio = figures["prompt_fetch"]["rps"] / figures["floor"]["rps"]
    cpu_ratio = figures["floor"]["cpu_us"] / figures["prompt_fetch"]["cpu_us"]
    print(
        json.dumps(
            {
                "benchmark": "prompt_fetch",
                "figure": "floor_to_fetch_worker_cpu",
                "value": round(cpu_ratio, 3),
                "unit": "x",
                "target": 0.8,
                "rounds": [
                    round(floor["cpu_us"] / fetch["cpu_us"], 3)
                    for fetch, floor in zip(figures["prompt_fetch"]["rounds"], figures["floor"]["rounds"], strict=True)
                ],
                "load_average": os.getloadavg()[0],
                **context,
            }
        )
    )
    print(
        json.dumps(
            {
                "benchmark": "prompt_fetch",
                "figure": "fetch_to_floor_throughput",
                "value": round(ratio, 3),
                "unit": "x",
                "target": 0.8,
                "load_average": os.getloadavg()[0],
                "rounds": [
                    round(fetch["rps"] / floor["rps"], 3)
                    for fetch, floor in zip(figures["prompt_fetch"]["rounds"], figures["floor"]["rounds"], strict=True)
                ],
                **context,
            }
        )
    )


if __name__ == "__main__":
    main()
