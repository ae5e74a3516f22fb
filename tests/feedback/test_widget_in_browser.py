"""feedback.js in a real browser: a page of another origin rates a trace thumbs-down and adds a comment."""

import http.server
import threading
from contextlib import contextmanager

import pytest

from evals.models import Score
from feedback.models import FEEDBACK_MARKER_KEY, FEEDBACK_MARKER_VALUE
from tests.browser import chromium_page, screenshot_path
from tests.feedback.factories import allow_origins

pytestmark = pytest.mark.django_db(transaction=True)

PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Support chat</title></head>
<body>
  <h1>Support chat</h1>
  <p>Your refund of $40 is on its way.</p>
  <div id="feedback" data-aistrale-feedback data-host="{host}" data-public-key="{public_key}"
       data-trace-id="trace-browser" data-observation-id="gen-1" data-score-name="user-feedback"></div>
  <script src="{host}/static/aistrale/feedback.js"></script>
</body></html>
"""


@contextmanager
def page_server(html: str):
    """A tiny web app on a port of its own, so the widget's requests to AISTRALE are cross-origin."""

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            body = html.encode()
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def test_thumbs_down_and_a_comment_from_the_keyboard_are_stored(live_server, project, key_pair):
    public_key = key_pair[0]
    with page_server(PAGE.format(host=live_server.url, public_key=public_key)) as app_url, chromium_page() as page:
        allow_origins(project, app_url)
        page.goto(app_url)
        down = page.get_by_role("button", name="Thumbs down")
        down.click()
        status = page.get_by_role("status")
        status.filter(has_text="Thanks for your feedback.").wait_for()
        assert down.get_attribute("aria-pressed") == "true"
        assert page.get_by_role("button", name="Thumbs up").get_attribute("aria-pressed") == "false"

        page.keyboard.press("Tab")  # from the thumbs-down button to the comment box
        assert page.evaluate("document.activeElement.id").startswith("af-comment-")
        page.keyboard.type("The refund amount was wrong.")
        page.keyboard.press("Tab")
        assert page.evaluate("document.activeElement.textContent") == "Send comment"
        page.keyboard.press("Enter")
        status.filter(has_text="Thanks for your comment.").wait_for()
        page.screenshot(path=screenshot_path("feedback-widget"))

    score = Score.objects.get(project=project, trace_id="trace-browser")
    assert (score.name, score.value, score.data_type, score.observation_id) == ("user-feedback", 0, "BOOLEAN", "gen-1")
    assert score.comment == "The refund amount was wrong."
    assert score.metadata == {FEEDBACK_MARKER_KEY: FEEDBACK_MARKER_VALUE}


def test_a_page_of_an_origin_not_allowed_is_told_so_and_nothing_is_stored(live_server, project, key_pair):
    with page_server(PAGE.format(host=live_server.url, public_key=key_pair[0])) as app_url, chromium_page() as page:
        page.goto(app_url)
        page.get_by_role("button", name="Thumbs up").click()
        page.get_by_role("status").filter(has_text="Could not reach the feedback server").wait_for()

    assert not Score.objects.filter(project=project).exists()
