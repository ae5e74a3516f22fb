import json

import pytest

from aistrale.tenancy.models import AuditEvent, Role
from aistrale.tenancy.services import api_key_create
from prompts.models import ProtectedLabel
from tests.clients import make_client
from tests.isolation import assert_absent_from_other_project_list, assert_not_found_for_other_project
from tests.query_counts import FEW_ROWS, MORE_ROWS, assert_queries_constant, rows_of

pytestmark = pytest.mark.django_db

PROMPTS = "/api/public/v2/prompts"
DEEP = json.loads("[" * 300 + "]" * 300)


def create(client, name="greeting", prompt="Hi {{name}}", **body):
    response = client.post(PROMPTS, {"name": name, "prompt": prompt, **body}, format="json")
    assert response.status_code == 200, response.content
    return response.json()


def fetch(client, name, **params):
    return client.get(f"{PROMPTS}/{name}", params)


def test_create_text_prompt_returns_the_langfuse_shape(api_client, project):
    body = create(
        api_client, labels=["production"], tags=["support"], config={"model": "gpt-4o"}, commitMessage="first"
    )
    assert body["name"] == "greeting"
    assert body["version"] == 1
    assert body["type"] == "text"
    assert body["prompt"] == "Hi {{name}}"
    assert body["labels"] == ["production", "latest"]
    assert body["tags"] == ["support"]
    assert body["config"] == {"model": "gpt-4o"}
    assert body["commitMessage"] == "first"
    assert body["resolutionGraph"] is None
    assert body["projectId"] == project.pk
    assert body["createdAt"].endswith("Z")


def test_create_chat_prompt_and_fetch_by_label_and_version(api_client):
    messages = [{"role": "system", "content": "Be {{tone}}"}, {"type": "placeholder", "name": "history"}]
    create(api_client, name="chat", prompt=messages, type="chat", labels=["production"])
    create(api_client, name="chat", prompt=[{"role": "system", "content": "v2"}], type="chat", labels=["staging"])
    production = fetch(api_client, "chat").json()
    assert production["version"] == 1
    assert production["type"] == "chat"
    assert production["prompt"] == messages
    assert production["labels"] == ["production"]
    assert fetch(api_client, "chat", label="staging").json()["labels"] == ["staging", "latest"]
    assert fetch(api_client, "chat", label="latest").json()["version"] == 2
    assert fetch(api_client, "chat", version=1).json()["version"] == 1


def test_fetch_without_production_label_is_404_with_a_message(api_client):
    create(api_client)
    response = fetch(api_client, "greeting")
    assert response.status_code == 404
    assert response.json()["error"] == "LangfuseNotFoundError"
    assert "label 'production'" in response.json()["message"]
    response = fetch(api_client, "greeting", version=9)
    assert response.status_code == 404
    assert "version 9" in response.json()["message"]
    assert fetch(api_client, "nope").status_code == 404


def test_names_with_folders_are_url_encoded(api_client):
    create(api_client, name="support/triage/v1 draft", labels=["production"])
    assert fetch(api_client, "support%2Ftriage%2Fv1%20draft").json()["name"] == "support/triage/v1 draft"
    assert fetch(api_client, "support/triage/v1 draft").status_code == 200
    response = api_client.patch(
        f"{PROMPTS}/support%2Ftriage%2Fv1%20draft/versions/1", {"newLabels": ["staging"]}, format="json"
    )
    assert response.status_code == 200
    assert response.json()["labels"] == ["production", "staging", "latest"]


def test_a_prompt_named_like_a_version_route_can_still_be_fetched(api_client):
    create(api_client, name="odd/versions/2", labels=["production"])
    assert fetch(api_client, "odd%2Fversions%2F2").json()["name"] == "odd/versions/2"
    assert api_client.delete(f"{PROMPTS}/odd%2Fversions%2F2").status_code == 204


def test_patch_moves_labels_and_the_next_fetch_sees_it(api_client):
    create(api_client, labels=["production"], prompt="one")
    create(api_client, prompt="two")
    assert fetch(api_client, "greeting").json()["prompt"] == "one"
    response = api_client.patch(f"{PROMPTS}/greeting/versions/2", {"newLabels": ["production"]}, format="json")
    assert response.status_code == 200
    assert response.json()["labels"] == ["production", "latest"]
    assert fetch(api_client, "greeting").json()["prompt"] == "two"
    api_client.patch(f"{PROMPTS}/greeting/versions/1", {"newLabels": ["production"]}, format="json")
    assert fetch(api_client, "greeting").json()["prompt"] == "one"


def test_new_version_with_label_is_visible_on_the_next_fetch(api_client):
    create(api_client, labels=["production"], prompt="one")
    assert fetch(api_client, "greeting").json()["prompt"] == "one"
    assert fetch(api_client, "greeting", label="latest").json()["prompt"] == "one"
    create(api_client, labels=["production"], prompt="two")
    assert fetch(api_client, "greeting").json()["prompt"] == "two"
    assert fetch(api_client, "greeting", label="latest").json()["prompt"] == "two"


def test_composition_resolves_and_follows_dependency_changes(api_client):
    create(api_client, name="base", prompt="Be kind.", labels=["production"])
    create(
        api_client, name="root", prompt="@@@langfusePrompt:name=base|label=production@@@ Help.", labels=["production"]
    )
    body = fetch(api_client, "root").json()
    assert body["prompt"] == "Be kind. Help."
    assert body["resolutionGraph"]["dependencies"][body["id"]][0]["name"] == "base"
    create(api_client, name="base", prompt="Be brief.", labels=["production"])
    assert fetch(api_client, "root").json()["prompt"] == "Be brief. Help."
    raw = fetch(api_client, "root", resolve="false").json()
    assert raw["prompt"].startswith("@@@langfusePrompt:")
    assert raw["resolutionGraph"] is None


def test_composition_cycle_created_by_a_label_move_is_a_400_on_fetch(api_client):
    create(api_client, name="a", prompt="A", labels=["production"])
    create(api_client, name="b", prompt="B @@@langfusePrompt:name=a|label=production@@@", labels=["production"])
    create(api_client, name="a", prompt="A2 @@@langfusePrompt:name=b|label=production@@@")
    assert fetch(api_client, "b").json()["prompt"] == "B A"
    api_client.patch(f"{PROMPTS}/a/versions/2", {"newLabels": ["production"]}, format="json")
    response = fetch(api_client, "b")
    assert response.status_code == 400
    assert response.json()["error"] == "InvalidRequestError"
    assert "circular prompt composition: b v1 -> a v2 -> b v1" in response.json()["message"]


def test_create_with_a_cycle_or_missing_reference_is_refused(api_client):
    response = api_client.post(
        PROMPTS, {"name": "x", "prompt": "@@@langfusePrompt:name=x|label=latest@@@"}, format="json"
    )
    assert response.status_code == 400
    assert "prompt 'x' cannot reference itself" in response.json()["message"]
    response = api_client.post(PROMPTS, {"name": "x", "prompt": "@@@langfusePrompt:name=y|version=3@@@"}, format="json")
    assert response.status_code == 400
    assert "y|version=3, which does not exist" in response.json()["message"]


def test_delete_whole_prompt_by_version_and_by_label(api_client):
    for label in ("a", "b", "c"):
        create(api_client, labels=[label])
    assert api_client.delete(f"{PROMPTS}/greeting?version=2").status_code == 204
    assert fetch(api_client, "greeting", version=2).status_code == 404
    assert api_client.delete(f"{PROMPTS}/greeting?label=a").status_code == 204
    assert fetch(api_client, "greeting", label="a").status_code == 404
    assert fetch(api_client, "greeting", label="c").json()["version"] == 3
    response = api_client.delete(f"{PROMPTS}/greeting?label=a")
    assert response.status_code == 404
    assert "label 'a'" in response.json()["message"]
    assert api_client.delete(f"{PROMPTS}/greeting").status_code == 204
    assert fetch(api_client, "greeting", label="latest").status_code == 404
    assert api_client.delete(f"{PROMPTS}/greeting").status_code == 404
    assert AuditEvent.objects.filter(action="prompt.deleted").count() == 1


def test_list_returns_prompt_meta_with_filters_and_pagination(api_client):
    create(api_client, name="a", labels=["production"], tags=["x"], config={"v": 1})
    create(api_client, name="a", config={"v": 2})
    create(api_client, name="b", prompt=[{"role": "user", "content": "q"}], type="chat", tags=["y"])
    body = api_client.get(PROMPTS).json()
    assert body["meta"] == {"page": 1, "limit": 50, "totalItems": 2, "totalPages": 1}
    first = body["data"][0]
    assert {key: first[key] for key in ("name", "type", "versions", "labels", "tags", "lastConfig")} == {
        "name": "a",
        "type": "text",
        "versions": [1, 2],
        "labels": ["production", "latest"],
        "tags": ["x"],
        "lastConfig": {"v": 2},
    }
    assert first["lastUpdatedAt"].endswith("Z")
    assert body["data"][1]["type"] == "chat"
    production = api_client.get(PROMPTS, {"label": "production"}).json()["data"]
    assert [(row["name"], row["versions"], row["lastConfig"]) for row in production] == [("a", [1], {"v": 1})]
    assert [row["name"] for row in api_client.get(PROMPTS, {"tag": "y"}).json()["data"]] == ["b"]
    assert [row["name"] for row in api_client.get(PROMPTS, {"name": "b"}).json()["data"]] == ["b"]
    assert [row["name"] for row in api_client.get(PROMPTS, {"label": "latest"}).json()["data"]] == ["a", "b"]
    page = api_client.get(PROMPTS, {"limit": 1, "page": 2}).json()
    assert [row["name"] for row in page["data"]] == ["b"]
    assert page["meta"]["totalPages"] == 2
    assert api_client.get(PROMPTS, {"fromUpdatedAt": "2999-01-01T00:00:00Z"}).json()["data"] == []
    assert len(api_client.get(PROMPTS, {"toUpdatedAt": "2999-01-01T00:00:00Z"}).json()["data"]) == 2
    assert api_client.get(PROMPTS, {"toUpdatedAt": "2000-01-01T00:00:00"}).json()["data"] == []


def test_list_query_count_does_not_grow_with_prompts(api_client):
    def prompt(index):
        create(api_client, name=f"p{index}", labels=["production"], tags=["t"])
        create(api_client, name=f"p{index}", labels=["staging"])

    assert assert_queries_constant(lambda: api_client.get(PROMPTS, {"tag": "t"}), rows_of(prompt)) <= 8
    assert len(api_client.get(PROMPTS, {"tag": "t"}).json()["data"]) == FEW_ROWS + MORE_ROWS


def test_compile_endpoint_runs_the_langfuse_engine(api_client):
    messages = [{"role": "system", "content": "Be {{tone}}"}, {"type": "placeholder", "name": "history"}]
    create(api_client, name="chat", prompt=messages, type="chat", labels=["production"])
    response = api_client.post(
        "/api/prompts/chat/compile",
        {"variables": {"tone": "<calm>"}, "placeholders": {"history": [{"role": "user", "content": "hi"}]}},
        format="json",
    )
    assert response.status_code == 200, response.content
    assert response.json() == {
        "engine": "langfuse",
        "name": "chat",
        "version": 1,
        "type": "chat",
        "prompt": [{"role": "system", "content": "Be <calm>"}, {"role": "user", "content": "hi"}],
    }
    create(api_client, name="folder/text", prompt="Hi {{name}} {{missing}}")
    response = api_client.post(
        "/api/prompts/folder%2Ftext/compile", {"variables": {"name": "Ann"}, "version": 1}, format="json"
    )
    assert response.json()["prompt"] == "Hi Ann {{missing}}"


def test_compile_endpoint_runs_jinja2_in_the_sandbox(api_client):
    create(
        api_client,
        name="j",
        prompt="{% for item in items %}- {{ item|upper }}\n{% endfor %}",
        templateEngine="jinja2",
        labels=["production"],
    )
    assert fetch(api_client, "j").json()["templateEngine"] == "jinja2"
    response = api_client.post("/api/prompts/j/compile", {"variables": {"items": ["a", "b"]}}, format="json")
    assert response.json()["engine"] == "jinja2"
    assert response.json()["prompt"] == "- A\n- B\n"
    create(api_client, name="evil", prompt="{{ x.__class__.__mro__ }}", templateEngine="jinja2", labels=["production"])
    response = api_client.post("/api/prompts/evil/compile", {"variables": {"x": 1}}, format="json")
    assert response.status_code == 400
    assert "unsafe jinja2 template refused by the sandbox" in response.json()["message"]


def test_protected_label_is_refused_for_a_member_key(project, api_client):
    ProtectedLabel.objects.create(project=project, name="production")
    response = api_client.post(PROMPTS, {"name": "g", "prompt": "x", "labels": ["production"]}, format="json")
    assert response.status_code == 403
    assert response.json()["error"] == "AccessDeniedError"
    assert "production are protected" in response.json()["message"]
    create(api_client, name="g", labels=["staging"])
    response = api_client.patch(f"{PROMPTS}/g/versions/1", {"newLabels": ["production"]}, format="json")
    assert response.status_code == 403
    _, secret = api_key_create(project=project, role=Role.ADMIN, public_key="pk-lf-admin-key")
    admin_client = make_client("pk-lf-admin-key", secret)
    assert (
        admin_client.patch(f"{PROMPTS}/g/versions/1", {"newLabels": ["production"]}, format="json").status_code == 200
    )
    assert api_client.delete(f"{PROMPTS}/g").status_code == 403
    event = AuditEvent.objects.get(action="prompt.label_moved", actor_label="API key pk-lf-admin-key")
    assert (event.before["version"], event.after) == (None, {"name": "g", "label": "production", "version": 1})
    assert admin_client.delete(f"{PROMPTS}/g").status_code == 204


def test_other_projects_cannot_see_or_change_prompts(api_client, other_client):
    create(api_client, name="secret", labels=["production"])
    assert_not_found_for_other_project(other_client, "get", f"{PROMPTS}/secret")
    assert_not_found_for_other_project(other_client, "get", f"{PROMPTS}/secret?version=1")
    assert_not_found_for_other_project(other_client, "patch", f"{PROMPTS}/secret/versions/1", {"newLabels": ["x"]})
    assert_not_found_for_other_project(other_client, "delete", f"{PROMPTS}/secret")
    assert_not_found_for_other_project(other_client, "post", "/api/prompts/secret/compile", {})
    assert_absent_from_other_project_list(other_client, PROMPTS, None)
    assert other_client.get(PROMPTS).json()["data"] == []
    assert other_client.post(PROMPTS, {"name": "secret", "prompt": "mine"}, format="json").json()["version"] == 1
    assert fetch(api_client, "secret").json()["prompt"] == "Hi {{name}}"


@pytest.mark.parametrize(
    ("method", "path", "body", "message"),
    [
        ("post", PROMPTS, {"prompt": "x"}, "name: This field is required."),
        ("post", PROMPTS, {"name": "x"}, "prompt: This field is required."),
        ("post", PROMPTS, ["x"], "must be a JSON object"),
        ("post", PROMPTS, {"name": "x", "prompt": "x", "type": "image"}, "type: must be one of"),
        ("post", PROMPTS, {"name": "x", "prompt": 3}, "prompt: a text prompt must be a string"),
        ("post", PROMPTS, {"name": "x", "prompt": "x", "type": "chat"}, "prompt: a chat prompt must be a list"),
        (
            "post",
            PROMPTS,
            {"name": "x", "prompt": [{"role": "u"}], "type": "chat"},
            "prompt.0.content: must be a string",
        ),
        (
            "post",
            PROMPTS,
            {"name": "x", "prompt": "x", "labels": ["Bad Label"]},
            "labels.0: 'Bad Label' is not a valid",
        ),
        ("post", PROMPTS, {"name": "x", "prompt": "x", "tags": "t"}, "tags: must be a list"),
        ("post", PROMPTS, {"name": "a|b", "prompt": "x"}, "name: cannot contain '|'"),
        ("post", PROMPTS, {"name": "x", "prompt": "x", "commitMessage": 5}, "commitMessage: must be a string"),
        ("post", PROMPTS, {"name": "x", "prompt": "x", "templateEngine": "erb"}, "templateEngine: must be one of"),
        (
            "post",
            PROMPTS,
            {"name": "greeting", "prompt": [{"role": "u", "content": "c"}], "type": "chat"},
            "type: prompt 'greeting' is a text prompt",
        ),
        ("get", f"{PROMPTS}/greeting?version=abc", None, "version: must be a positive integer"),
        ("get", f"{PROMPTS}/greeting?version=0", None, "version: must be a positive integer"),
        ("get", f"{PROMPTS}/greeting?version=1&label=production", None, "either a label or a version"),
        ("get", f"{PROMPTS}/greeting?resolve=maybe", None, "resolve: must be true or false"),
        ("get", f"{PROMPTS}?fromUpdatedAt=yesterday", None, "fromUpdatedAt: must be an ISO 8601 datetime"),
        ("get", f"{PROMPTS}?toUpdatedAt=2024-13-01", None, "toUpdatedAt: must be an ISO 8601 datetime"),
        ("get", f"{PROMPTS}?page=0", None, "page: must be at least 1"),
        ("get", f"{PROMPTS}?filter=[{{}}]", None, "filter[0]: needs type, column, operator"),
        ("get", f"{PROMPTS}?limit=x", None, "limit: must be a positive integer"),
        ("patch", f"{PROMPTS}/greeting/versions/1", {}, "newLabels: This field is required."),
        ("patch", f"{PROMPTS}/greeting/versions/1", {"newLabels": "production"}, "newLabels: must be a list"),
        ("patch", f"{PROMPTS}/greeting/versions/1", {"newLabels": ["latest"]}, "newLabels: 'latest' is reserved"),
        ("patch", f"{PROMPTS}/greeting/versions/1", {"newLabels": [""]}, "newLabels.0: must be a non-empty string"),
        ("patch", f"{PROMPTS}/greeting/versions/one", {"newLabels": ["a"]}, "version: must be a positive integer"),
        ("delete", f"{PROMPTS}/greeting?version=x", None, "version: must be a positive integer"),
        ("post", "/api/prompts/greeting/compile", {"variables": []}, "variables: must be an object"),
        ("post", "/api/prompts/greeting/compile", {"placeholders": 1}, "placeholders: must be an object"),
        ("post", "/api/prompts/greeting/compile", {"version": "v1"}, "version: must be a positive integer"),
        ("post", "/api/prompts/greeting/compile", {"version": 1, "label": "production"}, "either a label or a version"),
        ("post", "/api/prompts/greeting/compile", {"label": 5}, "label: must be a non-empty string"),
    ],
)
def test_malformed_requests_get_400_naming_the_problem(api_client, method, path, body, message):
    create(api_client, labels=["production"])
    response = getattr(api_client, method)(path, body, format="json")
    assert response.status_code == 400, response.content
    assert response.json()["error"] == "InvalidRequestError"
    assert message in response.json()["message"]


def test_invalid_json_body_is_400(api_client):
    response = api_client.generic("POST", PROMPTS, b"{not json", content_type="application/json")
    assert response.status_code == 400
    assert "not valid JSON" in response.json()["message"]


def test_not_found_cases(api_client):
    create(api_client, labels=["production"])
    response = api_client.patch(f"{PROMPTS}/greeting/versions/7", {"newLabels": ["a"]}, format="json")
    assert response.status_code == 404
    assert "version 7" in response.json()["message"]
    response = api_client.post("/api/prompts/missing/compile", {}, format="json")
    assert response.status_code == 404
    assert "'missing'" in response.json()["message"]


def test_auth_is_required_and_public_key_alone_is_refused(client, key_pair):
    assert client.get(PROMPTS).status_code == 401
    assert client.post("/api/prompts/x/compile", {}, content_type="application/json").status_code == 401
    public_only = make_client(key_pair[0])
    assert public_only.get(f"{PROMPTS}/x").status_code == 403
    assert public_only.post("/api/prompts/x/compile", {}, format="json").status_code == 403


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"name": "a\x00b"}, "name: must not contain a NUL character"),
        ({"name": "line\nbreak"}, "name: must not contain control characters (U+000A)"),
        ({"name": "a\rb\tc"}, "name: must not contain control characters (U+0009, U+000D)"),
        ({"name": ".."}, "name: a name or folder cannot be '.' or '..'"),
        ({"name": "team/./x"}, "name: a name or folder cannot be '.' or '..'"),
        ({"name": "x" * 501}, "name: is longer than 500 characters (501)"),
        ({"config": {"deep": DEEP}}, "config: is nested deeper than 100 levels"),
        ({"config": {"key": "nul\x00"}}, "config: must not contain a NUL character"),
        ({"prompt": "nul\x00"}, "prompt: must not contain a NUL character"),
        (
            {"prompt": [{"role": "user", "content": "x", "extra": DEEP}], "type": "chat"},
            "prompt: is nested deeper than 100 levels",
        ),
        ({"prompt": [{"role": "user", "content": "nul\x00"}]}, "prompt: must not contain a NUL character"),
        ({"prompt": [{"role": "user"}], "type": "chat"}, "prompt.0.content: must be a string"),
        ({"tags": ["t\x00"]}, "tags.0: must not contain a NUL character"),
        ({"commitMessage": "c\x00"}, "commitMessage: "),
        ({"commitMessage": "c" * 501}, "commitMessage: is longer than 500 characters"),
        ({"labels": ["a\x00"]}, "labels.0: "),
    ],
)
def test_create_refuses_what_could_never_be_read_or_addressed(api_client, body, message):
    response = api_client.post(PROMPTS, {"name": "greeting", "prompt": "x", **body}, format="json")
    assert response.status_code == 400, response.content
    assert response.json()["error"] == "InvalidRequestError"
    assert message in response.json()["message"]
    assert api_client.get(PROMPTS).json()["data"] == []


def test_what_is_accepted_at_the_limits_reads_back(api_client):
    config = {"deep": json.loads("[" * 99 + "]" * 99)}
    name = "team/" + "x" * 495
    create(api_client, name=name, config=config, labels=["production"])
    assert fetch(api_client, name.replace("/", "%2F")).json()["config"] == config
    assert api_client.get(PROMPTS).json()["data"][0]["lastConfig"] == config


@pytest.mark.parametrize(
    ("method", "path", "body", "message"),
    [
        ("post", "/api/prompts/greeting/compile", {"variables": {"v": DEEP}}, "variables: is nested deeper"),
        (
            "post",
            "/api/prompts/greeting/compile",
            {"placeholders": {"p": [{"role": "user", "content": DEEP}]}},
            "placeholders: is nested deeper",
        ),
        ("get", f"{PROMPTS}/greeting?version=2147483648", None, "version: must be at most 2147483647"),
        ("delete", f"{PROMPTS}/greeting?version=99999999999", None, "version: must be at most"),
        ("patch", f"{PROMPTS}/greeting/versions/99999999999", {"newLabels": ["a"]}, "version: must be at most"),
        ("get", f"{PROMPTS}/greeting?label=a%00b", None, "label: "),
        ("delete", f"{PROMPTS}/greeting?label=a%00b", None, "label: "),
        ("get", f"{PROMPTS}?name=a%00b", None, "name: "),
        ("get", f"{PROMPTS}?fromUpdatedAt=9999-12-31T23:59:59-05:00", None, "fromUpdatedAt: must lie between"),
        ("get", f"{PROMPTS}?toUpdatedAt=2024-01-01T00:00:00%2B99:00", None, "toUpdatedAt: must be an ISO 8601"),
        ("get", f"{PROMPTS}?toUpdatedAt=2024-01-01T00:00:00+16:00", None, "toUpdatedAt: has a time zone offset"),
    ],
)
def test_out_of_range_parameters_are_400_naming_them(api_client, method, path, body, message):
    create(api_client, labels=["production"])
    response = getattr(api_client, method)(path, body, format="json")
    assert response.status_code == 400, response.content
    assert message in response.json()["message"]


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("get", f"{PROMPTS}/a%00b", None),
        ("delete", f"{PROMPTS}/a%00b", None),
        ("patch", f"{PROMPTS}/a%00b/versions/1", {"newLabels": ["a"]}),
        ("post", "/api/prompts/a%00b/compile", {}),
    ],
)
def test_a_name_with_nul_in_the_path_is_not_found(api_client, method, path, body):
    response = getattr(api_client, method)(path, body, format="json")
    assert response.status_code == 404, response.content
