"""The prompt list's JSON `filter` (Langfuse SDK 5.x): each column, type and operator, and bad conditions."""

import orjson
import pytest

pytestmark = pytest.mark.django_db

PROMPTS = "/api/public/v2/prompts"


def create(client, name, prompt="Hi", **body):
    response = client.post(PROMPTS, {"name": name, "prompt": prompt, **body}, format="json")
    assert response.status_code == 200, response.content
    return response.json()


def listed(client, *conditions, **params):
    response = client.get(PROMPTS, {"filter": orjson.dumps(list(conditions)).decode(), **params})
    assert response.status_code == 200, response.content
    return response.json()["data"]


def names(client, *conditions):
    return [row["name"] for row in listed(client, *conditions)]


def condition(type_, column, operator, value=None, **extra):
    return {"type": type_, "column": column, "operator": operator, "value": value, **extra}


@pytest.fixture
def prompts_to_filter(api_client):
    """Three prompts (four versions) in `project` for the filter tests to match."""
    create(api_client, "tools/search_web", labels=["production"], tags=["tools"], config={"model": "gpt-4o"})
    create(api_client, "tools/search_web", labels=["staging"], tags=["tools"], config={"model": "gpt-4o-mini"})
    create(api_client, "tools/description", tags=["tools", "docs"], config={"temperature": 0.2})
    create(api_client, "Support 100%", prompt=[{"role": "system", "content": "x"}], type="chat", labels=["production"])


def test_string_operators_on_name(api_client, prompts_to_filter):
    assert names(api_client, condition("string", "name", "=", "tools/description")) == ["tools/description"]
    assert names(api_client, condition("string", "name", "=", "TOOLS/description")) == []
    assert names(api_client, condition("string", "name", "starts with", "TOOLS/")) == [
        "tools/description",
        "tools/search_web",
    ]
    assert names(api_client, condition("string", "name", "ends with", "/description")) == ["tools/description"]
    assert names(api_client, condition("string", "name", "contains", "search")) == ["tools/search_web"]
    assert names(api_client, condition("string", "name", "does not contain", "tools")) == ["Support 100%"]
    assert len(names(api_client, condition("string", "name", "is not empty"))) == 3


def test_like_wildcards_and_escapes(api_client, prompts_to_filter):
    assert names(api_client, condition("string", "name", "=", "tools/search_web")) == ["tools/search_web"]
    assert names(api_client, condition("string", "name", "contains", "search_w")) == ["tools/search_web"]
    assert names(api_client, condition("string", "name", "contains", "s_arch")) == ["tools/search_web"]
    assert names(api_client, condition("string", "name", "starts with", "tools/%web")) == ["tools/search_web"]
    assert names(api_client, condition("string", "name", "ends with", "100\\%")) == ["Support 100%"]
    assert names(api_client, condition("string", "name", "contains", "h\\_w")) == ["tools/search_web"]
    assert names(api_client, condition("string", "name", "contains", "e\\_w")) == []
    assert names(api_client, condition("string", "name", "contains", "*")) == []


def test_type_and_id_columns(api_client, prompts_to_filter):
    assert names(api_client, condition("string", "type", "=", "chat")) == ["Support 100%"]
    assert names(api_client, condition("stringOptions", "type", "none of", ["chat"])) == [
        "tools/description",
        "tools/search_web",
    ]
    version_id = create(api_client, "tools/description", prompt="v2")["id"]
    rows = listed(api_client, condition("stringOptions", "id", "any of", [version_id]))
    assert [(row["name"], row["versions"]) for row in rows] == [("tools/description", [2])]


def test_version_numbers(api_client, prompts_to_filter):
    rows = listed(api_client, condition("number", "version", ">=", 2))
    assert [(row["name"], row["versions"]) for row in rows] == [("tools/search_web", [2])]
    assert len(names(api_client, condition("number", "version", "=", 1))) == 3
    assert names(api_client, condition("number", "version", "<", 1)) == []


def test_labels_and_tags(api_client, prompts_to_filter):
    rows = listed(api_client, condition("arrayOptions", "labels", "any of", ["production"]))
    assert [(row["name"], row["versions"], row["labels"]) for row in rows] == [
        ("Support 100%", [1], ["production", "latest"]),
        ("tools/search_web", [1], ["production"]),
    ]
    staged = listed(api_client, condition("arrayOptions", "labels", "all of", ["staging", "latest"]))
    assert [(row["name"], row["versions"], row["lastConfig"]) for row in staged] == [
        ("tools/search_web", [2], {"model": "gpt-4o-mini"})
    ]
    assert names(api_client, condition("arrayOptions", "labels", "none of", ["production", "staging"])) == [
        "tools/description"
    ]
    assert names(api_client, condition("arrayOptions", "tags", "all of", ["tools", "docs"])) == ["tools/description"]
    assert names(api_client, condition("arrayOptions", "tags", "none of", ["tools"])) == ["Support 100%"]
    assert names(api_client, condition("arrayOptions", "tags", "any of", ["docs", "nope"])) == ["tools/description"]


def test_config_keys(api_client, prompts_to_filter):
    model = {"type": "stringObject", "column": "config", "key": "model"}
    assert names(api_client, {**model, "operator": "=", "value": "gpt-4o"}) == ["tools/search_web"]
    rows = listed(api_client, {**model, "operator": "ends with", "value": "MINI"})
    assert [(row["name"], row["versions"]) for row in rows] == [("tools/search_web", [2])]
    assert names(api_client, {**model, "operator": "is set", "value": ""}) == ["tools/search_web"]
    assert names(api_client, {**model, "operator": "contains", "value": ""}) == ["tools/search_web"]
    assert names(api_client, {**model, "operator": "is not set", "value": ""}) == ["Support 100%", "tools/description"]
    assert names(api_client, {**model, "operator": "does not contain", "value": "mini"}) == ["tools/search_web"]


def test_dates_and_conditions_combine(api_client, prompts_to_filter):
    past, future = "2000-01-01T00:00:00Z", "2999-01-01T00:00:00Z"
    assert len(names(api_client, condition("datetime", "createdAt", ">", past))) == 3
    assert names(api_client, condition("datetime", "updatedAt", ">=", future)) == []
    both = (condition("string", "name", "starts with", "tools/"), condition("arrayOptions", "tags", "any of", ["docs"]))
    assert names(api_client, *both) == ["tools/description"]


def test_the_filter_takes_precedence_over_the_simple_filters(api_client, prompts_to_filter):
    rows = listed(api_client, condition("string", "type", "=", "chat"), name="tools/description")
    assert [row["name"] for row in rows] == ["Support 100%"]
    assert len(listed(api_client, name="tools/description")) == 3, "an empty array applies no filters"


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("{not json", "filter: must be a JSON array of conditions"),
        ('{"type": "string"}', "filter: must be a JSON array of conditions"),
        ("[1]", "filter[0]: must be an object"),
        ('[{"type": "string", "column": "name"}]', "filter[0]: needs operator"),
        ('[{"type": "text", "column": "name", "operator": "="}]', "filter[0].type: 'text' does not apply"),
        ('[{"type": "string", "column": "labels", "operator": "="}]', "filter[0].type: 'string' does not apply"),
        ('[{"type": "string", "column": "colour", "operator": "="}]', "filter[0].column: 'colour' cannot be"),
        ('[{"type": "string", "column": "name", "operator": "like"}]', "filter[0].operator: 'like' does not apply"),
        ('[{"type": "string", "column": "name", "operator": "=", "value": 3}]', "filter[0].value: must be a string"),
        ('[{"type": "number", "column": "version", "operator": ">", "value": "2"}]', "value: must be a number"),
        ('[{"type": "datetime", "column": "createdAt", "operator": ">", "value": "soon"}]', "value: must be an ISO"),
        ('[{"type": "arrayOptions", "column": "tags", "operator": "any of", "value": []}]', "non-empty array"),
        ('[{"type": "stringOptions", "column": "id", "operator": "any of", "value": [1]}]', "non-empty array"),
        ('[{"type": "stringObject", "column": "config", "operator": "=", "value": "x"}]', "filter[0].key: names"),
        ('[{"type": "string", "column": "name", "operator": "=", "value": "a"}, 5]', "filter[1]: must be an object"),
    ],
)
def test_bad_filters_get_400_naming_the_problem(api_client, raw, message):
    response = api_client.get(PROMPTS, {"filter": raw})
    assert response.status_code == 400, response.content
    assert response.json()["error"] == "InvalidRequestError"
    assert message in response.json()["message"]
