"""Browser feedback throughput: score-create posts with the public key alone, as feedback.js sends them.

    .venv/bin/python -m bench.feedback --duration 10            # PostgreSQL + Redis, as in production
    .venv/bin/python -m bench.feedback --database-url sqlite:////tmp/feedback.sqlite3 --redis-url ""

Starts gunicorn (default 4 sync workers), allows the page origin for the bench project, raises the
per-key-and-address rate limit out of the way (AISTRALE_FEEDBACK_RATE_LIMIT: wrk posts from one
address), then `wrk` (apt-get install wrk) posts batches of one score-create event each, every one a new
score id, with `Authorization: Bearer <public key>` and an Origin header. After the rounds it counts the
feedback stored: every accepted post must be there. Prints one JSON line per figure.
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
  counter = counter + 1
  local id = run .. "-" .. tid .. "-" .. counter
  local body = '{"batch":[{"id":"e-' .. id .. '","type":"score-create","timestamp":"2026-01-01T00:00:00Z",'
    .. '"body":{"id":"s-' .. id .. '","traceId":"trace-' .. (counter % 1000) .. '","name":"user-feedback",'
    .. '"value":' .. (counter % 2) .. ',"dataType":"BOOLEAN","comment":"bench comment"}}]}'
  return wrk.format("POST", "/api/public/ingestion", nil, body)
end
"""
COUNT_FEEDBACK = (
    "from feedback.selectors import feedback_score_list; from aistrale.tenancy.models import ApiKey; "
    "print(feedback_score_list(project=ApiKey.objects.get(public_key='{key}').project).count())"
)
ALLOW_ORIGIN = (
    "from feedback.services import feedback_settings_update; from aistrale.tenancy.models import ApiKey; "
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
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--workers", type=int, default=4, help="gunicorn workers")
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
        tempfile.NamedTemporaryFile("w", suffix=".lua") as script,
        production_server(database_url=args.database_url, redis_url=args.redis_url, workers=args.workers) as server,
    ):
        script.write(WRK_POSTS + WRK_REPORT)
        script.flush()
        server.manage("shell", "--no-imports", "-c", ALLOW_ORIGIN.format(key=server.public_key, origin=ORIGIN))
        headers = {"Authorization": f"Bearer {server.public_key}", "Content-Type": "application/json", "Origin": ORIGIN}
        stored_before = int(server.manage("shell", "--no-imports", "-c", COUNT_FEEDBACK.format(key=server.public_key)))
        _check(server.url, headers)
        url = f"{server.url}/api/public/ingestion"
        warm_up = measure(url, headers, args.concurrency, args.wrk_threads, 2, script.name)
        rounds = [
            measure(url, headers, args.concurrency, args.wrk_threads, args.duration, script.name)
            for _ in range(args.rounds)
        ]
        stored = (
            int(server.manage("shell", "--no-imports", "-c", COUNT_FEEDBACK.format(key=server.public_key)))
            - stored_before
        )

    figure = _combine(rounds)
    posted = 1 + warm_up["requests"] + figure["requests"]
    failed = warm_up["errors"] + figure["errors"]
    context = {
        "concurrency": args.concurrency,
        "workers": args.workers,
        "load_generator": f"wrk -c{args.concurrency} -t{args.wrk_threads}",
        "database": args.database_url.split(":", 1)[0],
        "cache": "redis" if args.redis_url else "locmem",
        "scores_per_post": 1,
    }
    accepted = {"requests": figure["requests"], "errors": figure["errors"], "rounds": figure["rounds"]}
    for key, name, unit in (("rps", "accepted_posts_per_s", "posts/s"), ("p50", "p50", "ms"), ("p99", "p99", "ms")):
        line = {"benchmark": "feedback", "figure": name, "value": round(figure[key], 2), "unit": unit}
        print(json.dumps({**line, **({"target": 1000} if key == "rps" else {}), **accepted, **context}))
    print(
        json.dumps(
            {
                "benchmark": "feedback",
                "figure": "stored_of_posted",
                "value": stored,
                "unit": "scores",
                "posted": posted,
                "failed_posts": failed,
                "lost": posted - failed - stored,
                **context,
            }
        )
    )


if __name__ == "__main__":
    main()
