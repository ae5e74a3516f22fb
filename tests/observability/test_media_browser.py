"""The trace page in a real browser: the referenced image loads and shows, the audio player is ready to play."""

import io
import math
import struct
import wave
import zlib

import pytest
from django.urls import reverse

from tests.browser import admin_login, chromium_page, screenshot_path
from tests.observability.factories import make_media, make_observation, make_trace

pytestmark = pytest.mark.django_db(transaction=True)


def gradient_png(width: int = 96, height: int = 64) -> bytes:
    rows = b"".join(
        b"\x00" + b"".join(bytes((x * 255 // width, y * 255 // height, 160)) for x in range(width))
        for y in range(height)
    )

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b"")


def tone_wav(seconds: float = 0.5, rate: int = 8000) -> bytes:
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(rate)
        samples = (int(8000 * math.sin(2 * math.pi * 440 * n / rate)) for n in range(int(seconds * rate)))
        out.writeframes(b"".join(struct.pack("<h", sample) for sample in samples))
    return buffer.getvalue()


def test_trace_page_shows_the_image_and_an_audio_player(live_server, make_user, project):
    make_user("ana", project=project)
    trace = make_trace(project, "t1", name="multi-modal")
    _, image = make_media(project, gradient_png(), "image/png", trace_id="t1")
    _, audio = make_media(project, tone_wav(), "audio/wav", trace_id="t1", observation_id="o1")
    _, pdf = make_media(project, b"%PDF-1.4\n%%EOF\n", "application/pdf", trace_id="t1", field="output")
    trace.input = [
        {"role": "user", "content": [{"type": "text", "text": "Describe"}, {"type": "image", "data": image}]}
    ]
    trace.output = {"report": pdf}
    trace.save()
    make_observation(project, "o1", "t1", type="GENERATION", name="speech", input={"audio": audio})
    url = reverse("admin:observability_trace_change", args=[trace.key])
    with chromium_page() as page:
        admin_login(page, live_server.url, url, username="ana", password="pw-ana")
        page.locator("details:has-text('speech')").first.evaluate("element => element.open = true")
        page.wait_for_function("() => [...document.images].some(img => img.complete && img.naturalWidth === 96)")
        page.wait_for_function("() => { const a = document.querySelector('audio'); return a && a.readyState >= 1 }")
        page.screenshot(path=screenshot_path("admin-trace-media"), full_page=True)
        assert page.locator("audio").evaluate("audio => audio.duration") == pytest.approx(0.5, abs=0.01)
        assert page.locator("a:has-text('PDF')").count() == 1
