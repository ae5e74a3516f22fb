"""What the ingestion counters add to a request: the time of one `ingestion_count` call (two labelled
counter increments), measured side by side with an empty call of the same signature, in alternating rounds.

    python -m bench.operations_metrics --calls 200000 --rounds 5
"""

import argparse
import json
import os
import time

from aistrale.operations.metrics import ingestion_count


def _empty(*, source: str, accepted: int, rejected: int) -> None:
    return None


def _nanoseconds_per_call(function, calls: int) -> float:
    started = time.perf_counter_ns()
    for _ in range(calls):
        function(source="otlp", accepted=100, rejected=1)
    return (time.perf_counter_ns() - started) / calls


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=200_000)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    figures = {"empty_call": [], "ingestion_count": []}
    for _ in range(args.rounds):
        figures["empty_call"].append(_nanoseconds_per_call(_empty, args.calls))
        figures["ingestion_count"].append(_nanoseconds_per_call(ingestion_count, args.calls))
    for name, values in figures.items():
        line = {
            "figure": f"{name}_ns_per_request",
            "best": round(min(values), 1),
            "median": round(sorted(values)[len(values) // 2], 1),
            "calls": args.calls,
            "rounds": args.rounds,
            "load_average": os.getloadavg(),
        }
        print(json.dumps(line))


if __name__ == "__main__":
    main()
