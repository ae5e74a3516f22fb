"""Browser feedback throughput: score-create posts with the public key alone, as feedback.js sends them.

    .venv/bin/python -m bench.feedback --duration 10            # PostgreSQL + Redis, as in production
    .venv/bin/python -m bench.feedback --scores-per-post 10     # batches of 10 feedback scores
    .venv/bin/python -m bench.feedback --database-url sqlite:////tmp/feedback.sqlite3 --redis-url ""

Starts gunicorn as the Docker image does (4 workers of 2 threads: gthread; --threads 1 for sync workers),
allows the page origin for the bench project, raises the per-key-and-address rate limit out of the way
(AISTRALE_FEEDBACK_RATE_LIMIT: wrk posts from one address), then alternates rounds of the framework's floor
view and of `wrk` (apt-get install wrk) posting batches of --scores-per-post score-create events (one, as
the widget sends), every one a new score id, with `Authorization: Bearer <public key>` and an Origin header.
After the rounds it counts the feedback stored: every accepted post must be there. Prints one JSON line per
figure.
"""

import argparse
import json
import os
import shutil
import tempfile
import time
import urllib.request

from bench.prompt_fetch import WRK_REPORT, _combine, measure
from bench.server import production_server

ORIGIN = "https://app.example.com"
DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/aistrale_feedback_bench"
WRK_POSTS = """
local threads = 0
math.randomseed(os.time())
local run = os.time() .. "-" .. math.random(1, 1000000000)
setup = function(thread)
  thread:set("tid", threads)
  threads = threads + 1
end
local counter = 0
request = function()
  local events = {}
  for n = 1, scores_per_post do
    counter = counter + 1
    local id = run .. "-" .. tid .. "-" .. counter
    events[n] = '{"id":"e-' .. id .. '","type":"score-create","timestamp":"2026-01-01T00:00:00Z",'
      .. '"body":{"id":"s-' .. id .. '","traceId":"trace-' .. (counter % 1000) .. '","name":"user-feedback",'
      .. '"value":' .. (counter % 2) .. ',"dataType":"BOOLEAN","comment":"bench comment"}}'
  end
  return wrk.format("POST", "/api/public/ingestion", nil, '{"batch":[' .. table.concat(events, ",") .. ']}')
end
"""
COUNT_FEEDBACK = (
    "from feedback.selectors.feedback import feedback_score_list; from aistrale.tenancy.models import ApiKey; "
    "print(feedback_score_list(project=ApiKey.objects.get(public_key='{key}').project).count())"
)
ALLOW_ORIGIN = (
    "from feedback.services.feedback_settings import feedback_settings_update; "
    "from aistrale.tenancy.models import ApiKey; "
    "feedback_settings_update(project=ApiKey.objects.get(public_key='{key}').project, allowed_origins=['{origin}'])"
)


def _check(url: str, headers: dict) -> None:
    """One post up front: accepted with no error, and answered with the CORS header (wrk only counts statuses)."""
    body = json.dumps(
        {
            "batch": [
                {
                    "id": f"check-{time.time_ns()}",
                    "type": "score-create",
                    "timestamp": "2026-01-01T00:00:00Z",
                    "body": {"traceId": "trace-check", "name": "user-feedback", "value": 1, "dataType": "BOOLEAN"},
                }
            ]
        }
    ).encode()
    request = urllib.request.Request(f"{url}/api/public/ingestion", data=body, headers=headers)
    with urllib.request.urlopen(request, timeout=10) as response:
        answer = json.loads(response.read())
        allowed = response.headers.get("Access-Control-Allow-Origin")
    if response.status != 207 or answer["errors"] or allowed != ORIGIN:
        raise RuntimeError(f"the check post answered {response.status} {answer} (CORS {allowed!r})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--concurrency", type=int, default=16, help="concurrent clients")
    parser.add_argument("--wrk-threads", type=int, default=2)
    parser.add_argument("--duration", type=float, default=10.0, help="seconds per measurement round")
    parser.add_argument("--rounds", type=int, default=3, help="alternating floor/feedback rounds")
    parser.add_argument("--scores-per-post", type=int, default=1, help="score-create events per batch")
    parser.add_argument("--workers", type=int, default=4, help="gunicorn workers")
    parser.add_argument("--threads", type=int, default=2, help="threads per worker (production: 2, gthread)")
    parser.add_argument("--port", type=int, default=None, help="the server's port (default: a free one)")
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL", DEFAULT_DATABASE_URL))
    parser.add_argument(
        "--redis-url",
        default=os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/6"),
        help='"" for no Redis (local-memory cache)',
    )
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        parser.exit(2, "bench.feedback needs the wrk load generator: apt-get install -y wrk\n")
    os.environ["AISTRALE_FEEDBACK_RATE_LIMIT"] = str(10**9)

    with (
        tempfile.NamedTemporaryFile("w", suffix=".lua") as posts,
        tempfile.NamedTemporaryFile("w", suffix=".lua") as plain,
        production_server(
            database_url=args.database_url,
            redis_url=args.redis_url,
            workers=args.workers,
            threads=args.threads,
            port=args.port,
            settings_module="bench.settings",
        ) as server,
    ):
        posts.write(f"scores_per_post = {args.scores_per_post}\n" + WRK_POSTS + WRK_REPORT)
        posts.flush()
        plain.write(WRK_REPORT)
        plain.flush()
        server.manage("shell", "--no-imports", "-c", ALLOW_ORIGIN.format(key=server.public_key, origin=ORIGIN))
        headers = {"Authorization": f"Bearer {server.public_key}", "Content-Type": "application/json", "Origin": ORIGIN}
        count = COUNT_FEEDBACK.format(key=server.public_key)
        stored_before = int(server.manage("shell", "--no-imports", "-c", count))
        _check(server.url, headers)
        with urllib.request.urlopen(f"{server.url}/bench/floor", timeout=10) as response:
            assert b'"floor"' in response.read()
        ingestion, floor = f"{server.url}/api/public/ingestion", f"{server.url}/bench/floor"
        warm_up = measure(ingestion, headers, args.concurrency, args.wrk_threads, 2, posts.name)
        measure(floor, {}, args.concurrency, args.wrk_threads, 2, plain.name)
        rounds: dict[str, list[dict]] = {"floor": [], "feedback": []}
        for _ in range(args.rounds):
            rounds["floor"].append(measure(floor, {}, args.concurrency, args.wrk_threads, args.duration, plain.name))
            rounds["feedback"].append(
                measure(ingestion, headers, args.concurrency, args.wrk_threads, args.duration, posts.name)
            )
        stored = int(server.manage("shell", "--no-imports", "-c", count)) - stored_before

    figure, floor_figure = _combine(rounds["feedback"]), _combine(rounds["floor"])
    counted = (1 + warm_up["requests"] + figure["requests"]) * args.scores_per_post
    context = {
        "concurrency": args.concurrency,
        "workers": args.workers,
        "threads": args.threads,
        "load_generator": f"wrk -c{args.concurrency} -t{args.wrk_threads}",
        "database": args.database_url.split(":", 1)[0],
        "cache": "redis" if args.redis_url else "locmem",
        "scores_per_post": args.scores_per_post,
        "load_average": [round(load, 2) for load in os.getloadavg()],
    }
    measured = {"requests": figure["requests"], "errors": figure["errors"], "rounds": figure["rounds"]}
    lines = [
        ("accepted_posts_per_s", figure["rps"], "posts/s", {"target": 1000, **measured}),
        ("accepted_scores_per_s", figure["rps"] * args.scores_per_post, "scores/s", measured),
        ("p50", figure["p50"], "ms", measured),
        ("p99", figure["p99"], "ms", measured),
        ("floor_rps", floor_figure["rps"], "req/s", {"rounds": floor_figure["rounds"]}),
        ("posts_to_floor_throughput", figure["rps"] / floor_figure["rps"], "x", {}),
        # wrk counts only the answers it read; the posts in flight when a run stops are stored too.
        ("stored_scores", stored, "scores", {"counted_posted": counted, "failed_posts": figure["errors"]}),
    ]
    for name, value, unit, extra in lines:
        line = {"benchmark": "feedback", "figure": name, "value": round(value, 3), "unit": unit}
        print(json.dumps({**line, **extra, **context}))


if __name__ == "__main__":
    main()
