"""The prompt admin as people use it, through the test client."""

import html
import json
import re

import pytest

from aistrale.tenancy.models import AuditEvent, Role
from prompts import insights
from prompts.models import Prompt, PromptLabel, PromptVersion, ProtectedLabel
from prompts.services import prompt_version_create
from tests.query_counts import assert_queries_constant, rows_of

pytestmark = pytest.mark.django_db

CHANGELIST = "/admin/prompts/prompt/"


def page_of(prompt) -> str:
    return f"{CHANGELIST}{prompt.pk}/change/"


def visible_text(response) -> str:
    return html.unescape(re.sub(r"<[^>]+>", "", response.content.decode())).replace("\xa0", " ")


def labels_of(prompt) -> dict[str, int]:
    return dict(PromptLabel.objects.filter(prompt=prompt).values_list("name", "version__version"))


@pytest.fixture
def refund(project):
    prompt_version_create(
        project=project,
        name="billing/eu/refund",
        prompt_type="chat",
        content=[{"role": "system", "content": "Explain the refund policy in {{language}}."}],
        tags=["finance"],
    )
    return Prompt.objects.get(project=project, name="billing/eu/refund")


def test_changelist_lists_the_members_prompts_only(client, member, greeting, other_project):
    prompt_version_create(project=other_project, name="secret-prompt-of-globex", content="x")
    client.force_login(member)
    response = client.get(CHANGELIST)
    assert response.status_code == 200
    page = response.content.decode()
    assert "support/greeting" in page and "production: v1" in page and "staging: v2" in page
    assert "secret-prompt-of-globex" not in page


def test_other_projects_prompt_pages_are_not_found(client, member, other_project):
    prompt_version_create(project=other_project, name="theirs", content="x")
    theirs = Prompt.objects.get(name="theirs")
    client.force_login(member)
    for suffix in ("change/", "versions/1/", "versions/new/", "diff/?a=1&b=1"):
        assert client.get(f"{CHANGELIST}{theirs.pk}/{suffix}").status_code == 404, suffix
    response = client.post(f"{CHANGELIST}{theirs.pk}/labels/", {"action": "set", "label": "x", "version": 1})
    assert response.status_code == 404
    assert not PromptLabel.objects.filter(prompt=theirs).exists()


@pytest.mark.parametrize(
    ("term", "expected"),
    [
        ("greeting", {"support/greeting"}),
        ("policy", {"billing/eu/refund"}),
        ("FINANCE", {"billing/eu/refund"}),
        ("help today", {"support/greeting"}),
        ('"How may I"', {"support/greeting"}),
        ("{{name}}", {"support/greeting"}),
        ("café", {"menu"}),
        ("nowhere-to-be-found", set()),
    ],
)
def test_search_covers_names_content_and_tags(client, member, greeting, refund, project, term, expected):
    prompt_version_create(project=project, name="menu", content="Recommend a café near {{city}}")
    client.force_login(member)
    response = client.get(CHANGELIST, {"q": term})
    assert response.status_code == 200
    assert {prompt.name for prompt in response.context["cl"].result_list} == expected


def test_folder_and_label_filters(client, member, greeting, refund, project):
    prompt_version_create(project=project, name="toplevel", content="x", labels=["production"])
    client.force_login(member)

    def names(**params):
        return {prompt.name for prompt in client.get(CHANGELIST, params).context["cl"].result_list}

    page = client.get(CHANGELIST).content.decode()
    assert "?folder=billing%2Feu" in page and "?folder=billing" in page and "?folder=support" in page
    assert names(folder="billing") == {"billing/eu/refund"}
    assert names(folder="support") == {"support/greeting"}
    assert names(folder="-") == {"toplevel"}
    assert names(label="production") == {"support/greeting", "toplevel"}
    assert names(label="staging") == {"support/greeting"}


def test_prompt_page_shows_history_labels_and_insight_columns(client, member, greeting, monkeypatch):
    def provider(prompt):
        return {1: {"Generations": 3, "p95 latency (s)": 0.254}, 2: {"Generations": 12, "Avg accuracy": 0.9}}

    monkeypatch.setattr(insights, "_providers", [provider])
    client.force_login(member)
    response = client.get(page_of(greeting))
    assert response.status_code == 200
    page = response.content.decode()
    for text in ("first draft", "friendlier", "Generations", "p95 latency (s)", "Avg accuracy", "0.254", "0.9", "12"):
        assert text in page, text
    assert [row["figures"] for row in response.context["rows"]] == [["12", "—", "0.9"], ["3", "0.254", "—"]]
    assert "Roll back to v1" in page
    assert "Promote to production" in page


def test_prompt_page_shows_generations_linked_through_ingestion(client, member, greeting, api_client):
    def generation(index, version):
        return {
            "id": f"event-{index}",
            "type": "generation-create",
            "timestamp": "2026-01-05T10:00:00.000000Z",
            "body": {
                "id": f"generation-{index}",
                "traceId": "trace-1",
                "name": "answer",
                "startTime": "2026-01-05T10:00:00.000000Z",
                "endTime": "2026-01-05T10:00:01.500000Z",
                "model": "gpt-4o",
                "usageDetails": {"input": 100, "output": 10},
                "promptName": "support/greeting",
                "promptVersion": version,
            },
        }

    batch = [generation(index, version) for index, version in enumerate([1, 1, 2])]
    response = api_client.post("/api/public/ingestion", {"batch": batch}, format="json")
    assert response.status_code == 207 and not response.json()["errors"], response.json()
    client.force_login(member)
    context = client.get(page_of(greeting)).context
    figures = {
        row["version"].version: dict(zip(context["columns"], row["figures"], strict=True)) for row in context["rows"]
    }
    assert (figures[1]["Generations"], figures[2]["Generations"]) == ("2", "1")
    assert figures[1]["Tokens (in/out)"] == "200/20"
    assert figures[1]["Median latency"] == "1.50s"


def test_diff_page_shows_both_versions_content_and_config(client, member, greeting):
    client.force_login(member)
    response = client.get(f"{CHANGELIST}{greeting.pk}/diff/", {"a": 1, "b": 2})
    assert response.status_code == 200
    text = visible_text(response)
    for line in ("Hello {{name}}, how can I help?", "Hi {{name}}! How may I help today?"):
        assert line in text
    assert '"temperature": 0.1' in text and '"temperature": 0.7' in text
    assert '"model": "gpt-4o"' in text
    assert "diff_chg" in response.content.decode()
    assert client.get(f"{CHANGELIST}{greeting.pk}/diff/", {"a": 1, "b": 9}).context["form"].errors["b"]


def test_diff_escapes_prompt_content(client, member, project):
    for text in ("<b>bold</b>", "<script>alert(1)</script>"):
        prompt_version_create(project=project, name="html", content=text)
    client.force_login(member)
    page = client.get(f"{CHANGELIST}{Prompt.objects.get(name='html').pk}/diff/", {"a": 1, "b": 2}).content.decode()
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;" in page


def test_promote_then_roll_back_in_one_click(client, member, greeting):
    client.force_login(member)
    labels_url = f"{CHANGELIST}{greeting.pk}/labels/"
    response = client.post(labels_url, {"action": "set", "label": "production", "version": 2}, follow=True)
    assert "Label production now points to version 2." in response.content.decode()
    assert labels_of(greeting) == {"production": 2, "staging": 2}
    assert "Roll back to v1" in response.content.decode()
    client.post(labels_url, {"action": "set", "label": "production", "version": 1})
    assert labels_of(greeting) == {"production": 1, "staging": 2}
    client.post(labels_url, {"action": "remove", "label": "staging", "version": 2})
    assert labels_of(greeting) == {"production": 1}
    moves = AuditEvent.objects.filter(action="prompt.label_moved", actor=member).order_by("at")
    assert [(event.before["version"], event.after["version"]) for event in moves] == [(1, 2), (2, 1)]


def test_label_form_errors_are_reported(client, member, greeting):
    client.force_login(member)
    labels_url = f"{CHANGELIST}{greeting.pk}/labels/"
    page = client.post(labels_url, {"action": "set", "label": "Not Valid!", "version": 1}, follow=True)
    assert "is not a valid label" in page.content.decode()
    page = client.post(labels_url, {"action": "set", "label": "production", "version": 7}, follow=True)
    assert "Version 7 of support/greeting does not exist." in page.content.decode()
    page = client.post(labels_url, {"action": "set", "label": "latest", "version": 1}, follow=True)
    assert "&#x27;latest&#x27; is reserved" in page.content.decode()
    assert client.get(labels_url).status_code == 405
    assert labels_of(greeting) == {"production": 1, "staging": 2}


def test_protected_label_refused_for_a_member_allowed_for_an_admin_and_audited(
    client, member, project_admin, greeting, project
):
    ProtectedLabel.objects.create(project=project, name="production")
    labels_url = f"{CHANGELIST}{greeting.pk}/labels/"
    client.force_login(member)
    page = client.get(page_of(greeting)).content.decode()
    assert "only owners and admins may move this label" in page
    response = client.post(labels_url, {"action": "set", "label": "production", "version": 2}, follow=True)
    assert "production are protected in this project: only owners and admins" in response.content.decode()
    assert labels_of(greeting)["production"] == 1
    assert not AuditEvent.objects.filter(action="prompt.label_moved", actor=member).exists()

    client.force_login(project_admin)
    response = client.post(labels_url, {"action": "set", "label": "production", "version": 2}, follow=True)
    assert "Label production now points to version 2." in response.content.decode()
    assert labels_of(greeting)["production"] == 2
    event = AuditEvent.objects.get(action="prompt.label_moved", actor=project_admin)
    assert (event.project, event.before["version"], event.after["version"]) == (project, 1, 2)


def test_new_version_form_starts_from_an_old_version(client, member, greeting):
    client.force_login(member)
    form_url = f"{CHANGELIST}{greeting.pk}/versions/new/"
    response = client.get(form_url, {"from": 1})
    assert response.status_code == 200
    form = response.context["form"]
    assert form["content"].value() == "Hello {{name}}, how can I help?"
    assert json.loads(form["config"].value()) == {"model": "gpt-4o", "temperature": 0.1}
    assert form["tags"].value() == "support"
    assert client.get(form_url).context["form"]["content"].value().startswith("Hi {{name}}")

    response = client.post(
        form_url,
        {
            "type": "text",
            "template_engine": "langfuse",
            "content": "Hello again {{name}}",
            "config": '{"model": "gpt-4o-mini"}',
            "labels": "production, canary",
            "tags": "support, v3",
            "commit_message": "restored v1 wording",
        },
    )
    assert response.status_code == 302 and response.url == page_of(greeting)
    version = PromptVersion.objects.get(prompt=greeting, version=3)
    assert (version.content, version.config, version.commit_message) == (
        "Hello again {{name}}",
        {"model": "gpt-4o-mini"},
        "restored v1 wording",
    )
    assert (version.author, version.created_by) == (member, "member")
    assert labels_of(greeting) == {"production": 3, "canary": 3, "staging": 2}
    greeting.refresh_from_db()
    assert greeting.tags == ["support", "v3"]


def test_new_version_form_reports_bad_input_on_its_field(client, member, greeting, refund, project):
    ProtectedLabel.objects.create(project=project, name="production")
    client.force_login(member)
    base = {"type": "text", "template_engine": "langfuse", "content": "x", "config": "{}"}

    response = client.post(f"{CHANGELIST}{greeting.pk}/versions/new/", {**base, "labels": "production"})
    assert response.status_code == 200
    assert "production are protected" in str(response.context["form"].non_field_errors())

    response = client.post(f"{CHANGELIST}{greeting.pk}/versions/new/", {**base, "config": "{not json"})
    assert response.context["form"].errors["config"]

    response = client.post(f"{CHANGELIST}{greeting.pk}/versions/new/", {**base, "type": "chat", "content": "[]"})
    assert response.status_code == 302
    assert PromptVersion.objects.get(prompt=greeting, version=3).type == "text"

    chat = {**base, "type": "text"}
    response = client.post(f"{CHANGELIST}{refund.pk}/versions/new/", {**chat, "content": "[{oops"})
    assert "this is not JSON" in response.context["form"].errors["content"][0]
    response = client.post(f"{CHANGELIST}{refund.pk}/versions/new/", {**chat, "content": '[{"role": "user"}]'})
    assert "content.0.content" in response.context["form"].errors["content"][0]
    assert PromptVersion.objects.filter(prompt=refund).count() == 1


def test_add_creates_a_chat_prompt_in_a_project_of_the_user(client, member, project, other_project):
    client.force_login(member)
    page = client.get(f"{CHANGELIST}add/")
    assert page.status_code == 200
    assert list(page.context["form"].fields["project"].queryset) == [project]
    messages = [{"role": "system", "content": "You are {{persona}}"}, {"type": "placeholder", "name": "history"}]
    response = client.post(
        f"{CHANGELIST}add/",
        {
            "project": project.pk,
            "name": "agents/planner",
            "type": "chat",
            "template_engine": "langfuse",
            "content": json.dumps(messages),
            "config": "",
            "labels": "production",
        },
    )
    assert response.status_code == 302
    version = PromptVersion.objects.get(prompt__name="agents/planner")
    assert (version.project, version.type, version.content, version.config) == (project, "chat", messages, {})
    response = client.post(
        f"{CHANGELIST}add/", {"project": other_project.pk, "name": "x", "type": "text", "content": "x"}
    )
    assert response.context["form"].errors["project"]


def test_viewer_reads_but_cannot_change(client, project, make_user, greeting):
    client.force_login(make_user("viewer", project=project, role=Role.VIEWER))
    page = client.get(page_of(greeting))
    assert page.status_code == 200
    assert "Promote to production" not in page.content.decode()
    assert client.get(f"{CHANGELIST}{greeting.pk}/versions/1/").status_code == 200
    assert client.get(f"{CHANGELIST}{greeting.pk}/versions/new/").status_code == 403
    assert client.get(f"{CHANGELIST}add/").status_code == 403
    labels_url = f"{CHANGELIST}{greeting.pk}/labels/"
    assert client.post(labels_url, {"action": "set", "label": "production", "version": 2}).status_code == 403
    assert labels_of(greeting)["production"] == 1


def test_version_page_shows_content_and_config(client, member, refund):
    client.force_login(member)
    page = client.get(f"{CHANGELIST}{refund.pk}/versions/1/").content.decode()
    assert "[system]" in page and "Explain the refund policy in {{language}}." in page
    assert client.get(f"{CHANGELIST}{refund.pk}/versions/5/").status_code == 404


def test_delete_goes_through_the_service_and_respects_protected_labels(
    client, member, project_admin, greeting, project
):
    ProtectedLabel.objects.create(project=project, name="production")
    client.force_login(member)
    response = client.post(f"{CHANGELIST}{greeting.pk}/delete/", {"post": "yes"}, follow=True)
    assert "production are protected" in response.content.decode()
    assert Prompt.objects.filter(pk=greeting.pk).exists()

    client.force_login(project_admin)
    response = client.post(f"{CHANGELIST}{greeting.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302
    assert not Prompt.objects.filter(pk=greeting.pk).exists()
    event = AuditEvent.objects.get(action="prompt.deleted")
    assert (event.actor, event.before) == (project_admin, {"name": "support/greeting", "versions": [1, 2]})


def test_changelist_query_count_does_not_grow_with_prompts(client, member, project):
    client.force_login(member)

    def create(index):
        name = f"folder{index % 3}/prompt-{index}"
        prompt_version_create(project=project, name=name, content="a", labels=["production"])
        prompt_version_create(project=project, name=name, content="b", labels=["staging"], tags=["t"])

    assert_queries_constant(lambda: client.get(CHANGELIST, {"label": "production"}), rows_of(create), few=2, more=25)
    assert len(client.get(CHANGELIST, {"label": "production"}).context["cl"].result_list) == 27


def test_prompt_page_query_count_does_not_grow_with_versions(client, member, project):
    client.force_login(member)

    def create(index):
        prompt_version_create(project=project, name="long", content=f"v{index}", labels=[f"l{index}"])

    versions = rows_of(create)
    versions(1)
    prompt = Prompt.objects.get(name="long")
    assert_queries_constant(lambda: client.get(page_of(prompt)), versions, few=2, more=17)


def test_protected_label_changelist_query_count_does_not_grow(client, project_admin, project):
    client.force_login(project_admin)

    def protect(index):
        ProtectedLabel.objects.create(project=project, name=f"release-{index}")

    assert_queries_constant(lambda: client.get("/admin/prompts/protectedlabel/"), rows_of(protect))


def test_protected_labels_are_managed_by_owners_and_admins(client, member, project_admin, project, other_project):
    client.force_login(member)
    assert client.get("/admin/prompts/protectedlabel/add/").status_code == 403
    client.force_login(project_admin)
    page = client.get("/admin/prompts/protectedlabel/add/")
    assert list(page.context["adminform"].form.fields["project"].queryset) == [project]
    response = client.post("/admin/prompts/protectedlabel/add/", {"project": project.pk, "name": "Bad Label"})
    assert "is not a valid label" in str(response.context["adminform"].form.errors["name"])
    response = client.post("/admin/prompts/protectedlabel/add/", {"project": project.pk, "name": "production"})
    assert response.status_code == 302
    protected = ProtectedLabel.objects.get(project=project, name="production")
    page = client.get(f"/admin/prompts/protectedlabel/{protected.pk}/change/")
    assert page.status_code == 200 and 'name="_save"' not in page.content.decode()
    assert AuditEvent.objects.filter(action="prompt.label_protected", actor=project_admin, project=project).exists()

    ProtectedLabel.objects.create(project=other_project, name="theirs")
    assert "theirs" not in client.get("/admin/prompts/protectedlabel/").content.decode()

    client.force_login(member)
    assert client.get("/admin/prompts/protectedlabel/").status_code == 200
    assert client.post(f"/admin/prompts/protectedlabel/{protected.pk}/delete/", {"post": "yes"}).status_code == 403
    client.force_login(project_admin)
    assert client.post(f"/admin/prompts/protectedlabel/{protected.pk}/delete/", {"post": "yes"}).status_code == 302
    assert not ProtectedLabel.objects.filter(pk=protected.pk).exists()
    assert AuditEvent.objects.filter(action="prompt.label_unprotected", actor=project_admin).exists()
