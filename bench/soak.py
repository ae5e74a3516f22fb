"""Memory under sustained load: gunicorn worker RSS over an ingestion soak, and export_traces RSS over a big export.

    .venv/bin/python -m bench.soak ingest --spans 2000000          # OTLP spans in rounds, worker RSS per round
    .venv/bin/python -m bench.soak export --seconds 300            # export_traces of the read bench's million

`ingest` runs a production-style server (bench.server) on PostgreSQL (aistrale_perf_soak by default),
sends the spans of bench.ingest in rounds and samples every worker's RSS after each round; growth is
the last round's total over the second round's (the first warms caches and imports). `export` runs
`manage.py export_traces` on the database bench.read_api loaded and samples its RSS every second;
growth is the peak over the RSS once the first tenth of the run is past. Prints JSON lines.
"""

import argparse
import base64
import json
import os
import subprocess
import sys
import time
from pathlib import Path

from bench.ingest import SPANS_PER_TRACE, build_requests, reset, send_all
from bench.read_api import DEFAULT_DATABASE_URL as READ_DATABASE_URL
from bench.server import ROOT, VENV_BIN, production_server

DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/aistrale_perf_soak_bench"
GROWTH_TARGET = 0.10


def rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def _gunicorn_workers(bind: str) -> list[int]:
    """Pids of the gunicorn workers serving `bind` (children of the master whose command line names it)."""
    processes = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            command = (entry / "cmdline").read_bytes()
            parent = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            continue
        if bind.encode() in command and b"gunicorn" in command:
            processes[int(entry.name)] = parent
    return [pid for pid, parent in processes.items() if parent in processes]


def emit(figure: str, value, unit: str, **context) -> None:
    print(json.dumps({"benchmark": "soak", "figure": figure, "value": value, "unit": unit, **context}), flush=True)


def soak_ingest(args) -> int:
    reset(args.database_url)
    traces_per_round = args.spans_per_round // SPANS_PER_TRACE
    rounds = max(2, args.spans // args.spans_per_round)
    context = {"spans": rounds * traces_per_round * SPANS_PER_TRACE, "workers": args.workers, "rounds": rounds}
    with production_server(database_url=args.database_url, workers=args.workers, port=args.port) as server:
        auth = "Basic " + base64.b64encode(f"{server.public_key}:{server.secret_key}".encode()).decode()
        workers = _gunicorn_workers(server.url.removeprefix("http://"))
        samples, failures, started = [], 0, time.perf_counter()
        for number in range(rounds):
            bodies = build_requests(traces_per_round, args.spans_per_request, seed=number)
            _, _, failed = send_all(server.url, auth, bodies, args.clients)
            failures += failed
            samples.append({pid: rss_kib(pid) for pid in workers})
            emit(
                "worker_rss_after_round",
                round(sum(samples[-1].values()) / 1024, 1),
                "MiB",
                round=number + 1,
                per_worker_mib=[round(value / 1024, 1) for value in samples[-1].values()],
                failures=failures,
            )
        seconds = time.perf_counter() - started
    warm, last = sum(samples[1].values()), sum(samples[-1].values())
    growth = last / warm - 1
    emit("soak_spans_per_second", round(context["spans"] / seconds), "spans/s", failures=failures, **context)
    emit(
        "worker_rss_growth",
        round(growth, 4),
        "x",
        warm_mib=round(warm / 1024, 1),
        last_mib=round(last / 1024, 1),
        target=GROWTH_TARGET,
        **context,
    )
    return 0 if failures == 0 else 1


def soak_export(args) -> int:
    env = {**os.environ, "DATABASE_URL": args.database_url, "SECRET_KEY": "bench-only-secret-key", "DEBUG": "0"}
    env.pop("REDIS_URL", None)
    command = [
        str(VENV_BIN / "python"),
        "manage.py",
        "export_traces",
        "--project",
        args.project,
        "--output",
        args.output,
    ]
    process = subprocess.Popen(command, cwd=ROOT, env=env)
    started, samples = time.monotonic(), []
    while process.poll() is None and time.monotonic() - started < args.seconds:
        samples.append(
            (
                time.monotonic() - started,
                rss_kib(process.pid),
                Path(args.output).stat().st_size if Path(args.output).exists() else 0,
            )
        )
        time.sleep(1)
    finished = process.poll() is not None
    if not finished:
        process.terminate()
        process.wait(timeout=30)
    elapsed = time.monotonic() - started
    settled = [rss for at, rss, _ in samples if at >= elapsed / 10] or [samples[-1][1]]
    written = samples[-1][2] if samples else 0
    with open(args.output, "rb") as output:
        lines = sum(chunk.count(b"\n") for chunk in iter(lambda: output.read(1 << 20), b""))
    context = {"seconds": round(elapsed, 1), "finished": finished, "lines_written": lines, "bytes_written": written}
    emit(
        "export_rss_curve",
        [round(rss / 1024, 1) for _, rss, _ in samples[:: max(1, len(samples) // 12)]],
        "MiB",
        **context,
    )
    emit(
        "export_rss_growth",
        round(max(settled) / settled[0] - 1, 4),
        "x",
        first_mib=round(settled[0] / 1024, 1),
        peak_mib=round(max(settled) / 1024, 1),
        target=GROWTH_TARGET,
        **context,
    )
    return 0


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    ingest = commands.add_parser("ingest")
    ingest.add_argument("--spans", type=int, default=2_000_000)
    ingest.add_argument("--spans-per-round", type=int, default=100_000)
    ingest.add_argument("--spans-per-request", type=int, default=100)
    ingest.add_argument("--clients", type=int, default=8)
    ingest.add_argument("--workers", type=int, default=2)
    ingest.add_argument("--port", type=int, help="port to serve on (a free one by default)")
    ingest.add_argument("--database-url", default=os.environ.get("BENCH_SOAK_DATABASE_URL", DEFAULT_DATABASE_URL))
    export = commands.add_parser("export")
    export.add_argument("--database-url", default=os.environ.get("BENCH_READ_DATABASE_URL", READ_DATABASE_URL))
    export.add_argument("--project", default="Read bench", help="project id or name (bench.read_api's by default)")
    export.add_argument("--seconds", type=float, default=600, help="stop sampling (and the export) after this")
    export.add_argument("--output", default="/tmp/aistrale-soak-export.jsonl")
    args = parser.parse_args(argv)
    return soak_ingest(args) if args.command == "ingest" else soak_export(args)


if __name__ == "__main__":
    sys.exit(main())
