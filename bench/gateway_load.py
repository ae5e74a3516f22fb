"""The two cheap ends of bench/gateway.py, each a process of its own on one asyncio loop, so the benchmark
measures the gateway rather than its own Python HTTP machinery.

    python -m bench.gateway_load provider PORT TOKENS SECONDS   # a fake OpenAI provider streaming TOKENS chunks
    python -m bench.gateway_load client < plan.json             # the streaming clients; prints their samples

The provider answers every POST with the event stream the fake provider of tests/fakes sends (role chunk,
TOKENS content chunks over SECONDS, finish chunk, the usage chunk when asked, `[DONE]`), chunked, and closes
the connection. The client opens a connection per stream and times the first byte of the body (time to
first token) and the end of the stream (total), in milliseconds.
"""

import asyncio
import json
import re
import sys
import time

CONTENT_LENGTH = re.compile(rb"(?im)^content-length:\s*(\d+)")
STREAM_HEAD = (
    b"HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nCache-Control: no-cache\r\n"
    b"Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
)


def _chunk(data: dict | str) -> bytes:
    payload = f"data: {data if isinstance(data, str) else json.dumps(data)}\n\n".encode()
    return f"{len(payload):x}\r\n".encode() + payload + b"\r\n"


def stream_events(*, model: str, tokens: int, usage: bool) -> list[bytes]:
    """The stream's HTTP chunks: the first goes at once, one content chunk per interval after it."""

    def data(delta: dict, finish=None, choices=True) -> dict:
        body = {"id": "chatcmpl-fake", "object": "chat.completion.chunk", "created": 0, "model": model}
        body["choices"] = [{"index": 0, "delta": delta, "finish_reason": finish}] if choices else []
        return body

    pieces = [_chunk(data({"role": "assistant", "content": ""})) + _chunk(data({"content": "tok "}))]
    pieces += [_chunk(data({"content": "tok "})) for _ in range(tokens - 1)]
    ending = _chunk(data({}, finish="stop"))
    if usage:
        ending += _chunk({**data({}, choices=False), "usage": {"prompt_tokens": 10, "completion_tokens": tokens}})
    pieces[-1] += ending + _chunk("[DONE]") + b"0\r\n\r\n"
    return pieces


async def _serve(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, tokens: int, interval: float, cache):
    try:
        head = await reader.readuntil(b"\r\n\r\n")
        length = CONTENT_LENGTH.search(head)
        body = json.loads(await reader.readexactly(int(length.group(1)))) if length else {}
        usage = bool((body.get("stream_options") or {}).get("include_usage"))
        key = (str(body.get("model")), usage)
        if key not in cache:
            cache[key] = stream_events(model=key[0], tokens=tokens, usage=usage)
        pieces, loop = cache[key], asyncio.get_running_loop()
        writer.write(STREAM_HEAD + pieces[0])
        began = loop.time()
        for position, piece in enumerate(pieces[1:], start=1):
            await asyncio.sleep(max(0.0, began + position * interval - loop.time()))
            writer.write(piece)
        await writer.drain()
    except (ConnectionError, asyncio.IncompleteReadError):
        pass
    finally:
        writer.close()


async def provider(port: int, tokens: int, seconds: float) -> None:
    cache: dict = {}
    interval = seconds / max(tokens - 1, 1)
    server = await asyncio.start_server(
        lambda reader, writer: _serve(reader, writer, tokens, interval, cache), "127.0.0.1", port, backlog=1024
    )
    print(f"http://127.0.0.1:{port}/v1", flush=True)
    async with server:
        await server.serve_forever()


async def _stream(port: int, request: bytes) -> tuple[float, float]:
    began = time.perf_counter()
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(request)
    received, first = b"", None
    while data := await reader.read(65536):
        if first is None:
            received += data
            end = received.find(b"\r\n\r\n")
            if end >= 0 and len(received) > end + 4:
                first = time.perf_counter()
                if not received.startswith(b"HTTP/1.1 200"):
                    break
        else:
            received = received[-64:] + data
    ended = time.perf_counter()
    writer.close()
    if first is None or received.startswith(b"HTTP/1.1 ") and not received.startswith(b"HTTP/1.1 200"):
        raise RuntimeError(f"port {port} answered: {received[:300]!r}")
    if b"[DONE]" not in received:
        raise RuntimeError(f"port {port}: the stream ended without [DONE]: {received[-300:]!r}")
    return (first - began) * 1000, (ended - began) * 1000


def _request(path: dict) -> bytes:
    body = json.dumps(path["body"]).encode()
    head = f"POST {path['path']} HTTP/1.1\r\nHost: 127.0.0.1:{path['port']}\r\nConnection: close\r\n"
    head += f"Authorization: {path['authorization']}\r\nContent-Type: application/json\r\n"
    return f"{head}Content-Length: {len(body)}\r\n\r\n".encode() + body


async def steady(path: dict, *, clients: int, streams: int, spread: float) -> list[tuple[float, float]]:
    """Each client starts index/clients of `spread` late, then streams `streams` times in a row; its first
    stream (the ramp-up) is not counted. Requests then arrive spread out, as in production."""
    request = _request(path)

    async def client(index: int) -> list[tuple[float, float]]:
        await asyncio.sleep(spread * index / clients)
        return [await _stream(path["port"], request) for _ in range(streams)][1:]

    return [sample for samples in await asyncio.gather(*map(client, range(clients))) for sample in samples]


async def burst(path: dict, *, clients: int) -> list[tuple[float, float]]:
    """Every client starts one stream at the same instant."""
    request = _request(path)
    return list(await asyncio.gather(*(_stream(path["port"], request) for _ in range(clients))))


async def client(plan: dict) -> dict:
    """Samples of every mode and path: steady for each path, then a burst for each."""
    samples: dict = {"steady": {}, "burst": {}}
    for name, path in plan["paths"].items():
        samples["steady"][name] = await steady(
            path, clients=plan["clients"], streams=plan["rounds"] + 1, spread=plan["spread"]
        )
    for name, path in plan["paths"].items():
        samples["burst"][name] = await burst(path, clients=plan["clients"])
    return samples


if __name__ == "__main__":
    if sys.argv[1] == "provider":
        asyncio.run(provider(int(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4])))
    else:
        print(json.dumps(asyncio.run(client(json.load(sys.stdin)))))
