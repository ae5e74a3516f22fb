"""What one OTLP request may cost the server: time and peak RSS of a gunicorn worker for one request.

Each case runs on a fresh one-worker server (so the worker's peak RSS is that request's) and prints
one JSON line: the request's status, its seconds, the worker's peak RSS before and after it.

- `flood`: 200,000 tiny spans in one ~9 MB protobuf body (under the 10 MiB body limit): refused by the
  span cap with 413.
- `at_cap`: a request of exactly AISTRALE_MAX_SPANS_PER_REQUEST tiny spans: stored.
- `flood_uncapped` (with --uncapped): the 200,000 spans with the cap lifted, the cost the cap prevents.

    python -m bench.otlp_request_cost
    python -m bench.otlp_request_cost --uncapped --database-url postgres://postgres@127.0.0.1:5432/aistrale_bench
"""

import argparse
import base64
import json
import os
import random
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest

from bench.server import DEFAULT_POSTGRES_URL, production_server

FLOOD_SPANS = 200_000
DEFAULT_CAP = 10_000


def tiny_spans(count: int) -> bytes:
    """`count` spans with only fresh ids, a one-letter name and times, in traces of 100 spans."""
    message = ExportTraceServiceRequest()
    scope_spans = message.resource_spans.add().scope_spans.add()
    start = time.time_ns()
    salt = random.getrandbits(64)
    for index in range(count):
        scope_spans.spans.add(
            trace_id=salt.to_bytes(8, "big") + (index // 100 + 1).to_bytes(8, "big"),
            span_id=random.getrandbits(63).to_bytes(8, "big"),
            name="s",
            start_time_unix_nano=start + index,
            end_time_unix_nano=start + index + 1000,
        )
    return message.SerializeToString()


def _worker_pids(port: int) -> list[int]:
    """The pids of the gunicorn processes bound to `port` (master and worker)."""
    pids = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            command = (entry / "cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        if f"--bind=127.0.0.1:{port}".encode() in command:
            pids.append(int(entry.name))
    return pids


def _peak_rss_mb(pids: list[int]) -> float:
    """The largest peak resident set (VmHWM) among the processes, in MB."""
    peaks = []
    for pid in pids:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                peaks.append(int(line.split()[1]) / 1024)
    return max(peaks)


def _post(url: str, auth: str, body: bytes) -> tuple[int, float]:
    request = urllib.request.Request(
        f"{url}/api/public/otel/v1/traces",
        data=body,
        headers={"Content-Type": "application/x-protobuf", "Authorization": auth},
        method="POST",
    )
    started = time.perf_counter()
    try:
        with urllib.request.urlopen(request, timeout=300) as response:
            response.read()
            status = response.status
    except urllib.error.HTTPError as error:
        error.read()
        status = error.code
    return status, time.perf_counter() - started


def measure(case: str, body: bytes, spans: int, cap: int, database_url: str) -> None:
    os.environ["AISTRALE_MAX_SPANS_PER_REQUEST"] = str(cap)
    with production_server(database_url=database_url, workers=1) as server:
        port = int(server.url.rsplit(":", 1)[1])
        auth = "Basic " + base64.b64encode(f"{server.public_key}:{server.secret_key}".encode()).decode()
        _post(server.url, auth, tiny_spans(1))
        pids = _worker_pids(port)
        before = _peak_rss_mb(pids)
        status, seconds = _post(server.url, auth, body)
        after = _peak_rss_mb(pids)
    figures = {
        "benchmark": "otlp_request_cost",
        "case": case,
        "spans": spans,
        "body_bytes": len(body),
        "cap": cap,
        "status": status,
        "seconds": round(seconds, 3),
        "peak_rss_mb_before": round(before, 1),
        "peak_rss_mb": round(after, 1),
    }
    print(json.dumps(figures))
    sys.stdout.flush()


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL", DEFAULT_POSTGRES_URL))
    parser.add_argument("--cap", type=int, default=int(os.environ.get("AISTRALE_MAX_SPANS_PER_REQUEST", DEFAULT_CAP)))
    parser.add_argument("--uncapped", action="store_true", help="also send the flood with the cap lifted")
    args = parser.parse_args(argv)
    flood = tiny_spans(FLOOD_SPANS)
    measure("flood", flood, FLOOD_SPANS, args.cap, args.database_url)
    measure("at_cap", tiny_spans(args.cap), args.cap, args.cap, args.database_url)
    if args.uncapped:
        measure("flood_uncapped", flood, FLOOD_SPANS, FLOOD_SPANS, args.database_url)
    return 0


if __name__ == "__main__":
    sys.exit(main())
