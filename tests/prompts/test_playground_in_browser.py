"""A two-variant playground run in a real browser, both answers streamed in (screenshot for review)."""

import pytest

from aistrale.llm.models import LlmAdapter
from prompts.playground.services import MAX_VARIANTS
from tests.browser import admin_login, chromium_page, screenshot_path
from tests.fakes.provider import Reply
from tests.llm.factories import make_connection

pytestmark = pytest.mark.django_db(transaction=True)

PAGE = "/admin/prompts/prompt/playground/"


def test_two_variants_run_side_by_side(live_server, make_user, project, fake_provider, model_prices):
    make_user("ana", project=project)
    make_connection(project, fake_provider)
    make_connection(project, fake_provider, adapter=LlmAdapter.ANTHROPIC)
    fake_provider.responder = lambda request: Reply(
        text=f"Answer from {request.body['model']}: your refund is on its way.", chunks=6, usage=(40, 12)
    )
    with chromium_page() as page:
        admin_login(page, live_server.url, PAGE, username="ana", password="pw-ana")
        page.wait_for_selector("#playground[data-ready=true]")
        page.locator(".message-content").nth(0).fill("You are a support agent for {{company}}.")
        page.locator(".message-content").nth(1).fill("Where is my refund?")
        page.fill("input.variable[name=company]", "Acme")
        first = page.locator(".playground-variant").nth(0)
        first.locator(".variant-connection").select_option("fake-openai")
        first.locator(".variant-model").fill("gpt-4o-mini")
        first.locator(".variant-temperature").fill("0.2")
        page.click("#add-variant")
        second = page.locator(".playground-variant").nth(1)
        second.locator(".variant-connection").select_option("fake-anthropic")
        second.locator(".variant-model").fill("claude-haiku-4-5")
        second.locator(".variant-max-tokens").fill("200")
        page.click("#run")
        page.wait_for_selector(".playground-variant:nth-child(1)[data-state=done]")
        page.wait_for_selector(".playground-variant:nth-child(2)[data-state=done]")
        page.screenshot(path=screenshot_path("prompts-playground-two-variants"), full_page=True)

        assert first.locator(".playground-output").inner_text() == (
            "Answer from gpt-4o-mini: your refund is on its way."
        )
        assert second.locator(".playground-output").inner_text().startswith("Answer from claude-haiku-4-5")
        assert "40 in / 12 out tokens" in first.locator(".playground-stats").inner_text()
        for _ in range(MAX_VARIANTS - 2):
            page.click("#add-variant")
        assert page.locator(".playground-variant").count() == MAX_VARIANTS
        assert page.locator("#add-variant").is_disabled()
    [openai_sent] = [sent for sent in fake_provider.requests if sent.path.endswith("/chat/completions")]
    assert openai_sent.body["messages"][0]["content"] == "You are a support agent for Acme."
