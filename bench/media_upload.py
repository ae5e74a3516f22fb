"""Media uploads through the SDK's path on gunicorn: announce, PUT the bytes (sized or chunked), read back.

Prints one JSON line per file size and transfer: seconds and MB/s of the PUT, and the gunicorn worker's peak
resident memory before and after, which shows the body is streamed to storage rather than held in memory.

    .venv/bin/python -m bench.media_upload --sizes-mb 1,32,128
"""

import argparse
import base64
import hashlib
import json
import os
import sys
import tempfile
import time
from pathlib import Path

import requests

from bench.otlp_request_cost import _peak_rss_mb, _worker_pids
from bench.server import production_server

CHUNK = 1024 * 1024


def random_file(folder: Path, megabytes: int) -> tuple[Path, str]:
    path = folder / f"media-{megabytes}.bin"
    digest = hashlib.sha256()
    with path.open("wb") as out:
        for _ in range(megabytes):
            chunk = os.urandom(CHUNK)
            digest.update(chunk)
            out.write(chunk)
    return path, base64.b64encode(digest.digest()).decode()


def upload(server, path: Path, sha256: str, *, chunked: bool) -> tuple[int, float]:
    auth = (server.public_key, server.secret_key)
    announcement = {
        "contentType": "application/octet-stream",
        "contentLength": path.stat().st_size,
        "sha256Hash": sha256,
        "traceId": f"bench-{time.time_ns()}",
        "field": "input",
    }
    announced = requests.post(f"{server.url}/api/public/media", json=announcement, auth=auth, timeout=30).json()
    if announced["uploadUrl"] is None:
        return 200, 0.0
    headers = {"Content-Type": "application/octet-stream", "x-amz-checksum-sha256": sha256}
    started = time.perf_counter()
    with path.open("rb") as body:
        data = iter(lambda: body.read(CHUNK), b"") if chunked else body
        status = requests.put(announced["uploadUrl"], data=data, headers=headers, timeout=600).status_code
    return status, time.perf_counter() - started


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes-mb", default="1,32,128", help="comma-separated file sizes in MiB")
    args = parser.parse_args(argv)
    sizes = [int(size) for size in args.sizes_mb.split(",")]
    with tempfile.TemporaryDirectory() as folder:
        folder = Path(folder)
        os.environ["AISTRALE_MEDIA_ROOT"] = str(folder / "media")
        os.environ["AISTRALE_MAX_MEDIA_BYTES"] = str((max(sizes) + 1) * CHUNK)
        with production_server(database_url=f"sqlite:///{folder / 'bench.sqlite3'}", workers=1) as server:
            pids = _worker_pids(int(server.url.rsplit(":", 1)[1]))
            for megabytes in sizes:
                for chunked in (False, True):
                    path, sha256 = random_file(folder, megabytes)
                    before = _peak_rss_mb(pids)
                    status, seconds = upload(server, path, sha256, chunked=chunked)
                    figures = {
                        "benchmark": "media_upload",
                        "megabytes": megabytes,
                        "transfer": "chunked" if chunked else "content-length",
                        "status": status,
                        "seconds": round(seconds, 3),
                        "mb_per_second": round(megabytes / seconds, 1) if seconds else None,
                        "peak_rss_mb_before": round(before, 1),
                        "peak_rss_mb": round(_peak_rss_mb(pids), 1),
                    }
                    print(json.dumps(figures))
                    sys.stdout.flush()
                    path.unlink()
    return 0


if __name__ == "__main__":
    sys.exit(main())
