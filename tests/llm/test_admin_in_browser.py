"""The LLM connections admin in a real browser: an owner adds a connection, opens it and sends a ping."""

import pytest

from aistrale.llm.models import LlmConnection
from aistrale.tenancy.models import Role
from tests.browser import admin_login, chromium_page, screenshot_path
from tests.fakes.provider import Reply

pytestmark = pytest.mark.django_db(transaction=True)

SECRET = "sk-browser-never-shown-0000-abcd"


def test_owner_adds_a_connection_and_pings_it(live_server, make_user, project, fake_provider):
    make_user("olga", project=project, role=Role.OWNER)
    fake_provider.script(Reply(text="pong", usage=(12, 1)))
    with chromium_page() as page:
        admin_login(page, live_server.url, "/admin/llm/llmconnection/add/", username="olga", password="pw-olga")
        page.select_option("#id_project", str(project.pk))
        page.fill("#id_provider", "local-vllm")
        page.select_option("#id_adapter", "openai")
        page.fill("#id_secret_key", SECRET)
        page.fill("#id_base_url", fake_provider.openai_url)
        page.fill("#id_custom_models", "llama-3-8b\nmistral-7b")
        page.fill("#id_extra_headers", '{"X-Team": "evals-team-value"}')
        page.click("input[name=_save]")
        page.wait_for_url(lambda url: url.endswith("/admin/llm/llmconnection/"))
        page.screenshot(path=screenshot_path("admin-llm-connections"))
        assert SECRET not in page.content() and "...abcd" in page.content()
        connection = LlmConnection.objects.get(project=project)
        assert connection.secret_key == SECRET

        page.click("text=local-vllm")
        page.wait_for_selector("#send-ping")
        page.click("#send-ping")
        page.wait_for_selector(".messagelist .success")
        page.screenshot(path=screenshot_path("admin-llm-connection-change"), full_page=True)
        html = page.content()
        assert "local-vllm answered in" in html.lower() and "pong" in html
        assert SECRET not in html and "evals-team-value" not in html
        assert fake_provider.requests[0].body["model"] == "llama-3-8b"
