import os, sys, time
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "aistrale.settings"); os.environ["DEBUG"]="1"
import django; django.setup()
import inspect
from bench.ingest import build_requests
from observability.ingestion import otlp
from observability.ingestion.writer import RowSet
bodies = build_requests(2500, 100)
kw = {"max_spans": 10**6} if "max_spans" in inspect.signature(otlp.decode_protobuf).parameters else {}
best = []
for _ in range(3):
    t = time.perf_counter(); n = 0
    for body in bodies:
        spans = otlp.decode_protobuf(body, **kw)
        tr, ob = RowSet(), RowSet()
        for s in spans:
            otlp.map_span(s, tr, ob); n += 1
    best.append(time.perf_counter() - t)
print(sys.argv[1], "spans", n, "decode+map us/span", round(min(best) / n * 1e6, 1))
