"""Our OpenAPI schema: generated without warnings, covers every route, matches the Langfuse reference, served."""

import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
import yaml
from django.conf import settings
from django.contrib.staticfiles import finders
from django.core.management import call_command
from django.test import Client
from drf_spectacular.generators import SchemaGenerator

from datasets.api.serializers import (
    DatasetCreateSerializer,
    DatasetItemCreateSerializer,
    DatasetItemQuerySerializer,
    RunItemCreateSerializer,
    RunItemQuerySerializer,
)
from evals.api.evaluator_serializers import EvaluatorCreateSerializer
from evals.api.rules.serializers import (
    BackfillSerializer,
    EvaluationRuleCreateSerializer,
    EvaluationRuleUpdateSerializer,
)
from evals.api.serializers import ScoreCreateSerializer
from feedback.api.serializers import CommentCreateSerializer, CommentQuerySerializer
from observability.api.dashboards import (
    DashboardCreateSerializer,
    DashboardUpdateSerializer,
    PlacementCreateSerializer,
    PlacementUpdateSerializer,
)
from observability.api.serializers import (
    ModelCreateSerializer,
    ObservationV2QuerySerializer,
    TraceQuerySerializer,
)
from observability.media.serializers import MediaPatchSerializer, MediaUploadUrlRequestSerializer
from prompts.api.serializers import (
    PromptCompileSerializer,
    PromptCreateSerializer,
    PromptDeleteQuerySerializer,
    PromptFetchQuerySerializer,
    PromptLabelsUpdateSerializer,
    PromptListQuerySerializer,
)
from tests.api.routes import public_api_routes

METHODS = ("get", "post", "put", "patch", "delete")
DOCUMENTATION_ROUTES = {"/api/public/openapi.json", "/api/public/docs"}
REFERENCE = Path(settings.BASE_DIR).parent / "shared" / "reference" / "langfuse-openapi.yml"
# Operations we answer that the Langfuse API does not have.
EXTENSIONS = {
    ("get", "/api/public/v2/prompts/{}/versions/{}"),
    ("delete", "/api/public/v2/prompts/{}/versions/{}"),
    ("post", "/api/prompts/{}/compile"),
    ("put", "/api/public/media/upload/{}"),  # the signed URLs Langfuse hands out to its object store
    ("get", "/api/public/media/download/{}"),
    ("get", "/api/public/scores/{}"),  # Langfuse serves it (web/src/pages/api/public/scores/[scoreId].ts), unlisted
    # The evaluators API as SDK 5.x calls it (the reference lists it under /unstable/evaluators).
    ("get", "/api/public/v2/evaluators"),
    ("post", "/api/public/v2/evaluators"),
    ("get", "/api/public/v2/evaluators/{}"),
    ("patch", "/api/public/v2/evaluators/{}"),
    ("delete", "/api/public/v2/evaluators/{}"),
    ("get", "/api/public/v2/evaluators/{}/versions"),
    # the SDK 5.x evaluation_rules client (the reference spec has them only under /unstable), and their extras
    ("get", "/api/public/v2/evaluation-rules"),
    ("post", "/api/public/v2/evaluation-rules"),
    ("get", "/api/public/v2/evaluation-rules/{}"),
    ("patch", "/api/public/v2/evaluation-rules/{}"),
    ("delete", "/api/public/v2/evaluation-rules/{}"),
    ("get", "/api/public/v2/evaluation-rules/{}/jobs"),
    ("get", "/api/public/v2/evaluation-rules/{}/calibration"),
    ("post", "/api/public/v2/evaluation-rules/{}/backfill"),
    ("get", "/api/public/metrics/daily"),  # in Langfuse's API before the query-object metrics, still served
}
# Operations whose credential is not the project's key: health, and the signed media URLs.
KEYLESS = {"/api/public/health", "/api/public/media/upload/{token}", "/api/public/media/download/{token}"}

# The serializer each view parses its request body, or its query, with.
REQUEST_BODIES = {
    ("post", "/api/public/v2/prompts"): PromptCreateSerializer,
    ("patch", "/api/public/v2/prompts/{name}/versions/{version}"): PromptLabelsUpdateSerializer,
    ("post", "/api/prompts/{name}/compile"): PromptCompileSerializer,
    ("post", "/api/public/models"): ModelCreateSerializer,
    ("post", "/api/public/media"): MediaUploadUrlRequestSerializer,
    ("patch", "/api/public/media/{media_id}"): MediaPatchSerializer,
    ("post", "/api/public/comments"): CommentCreateSerializer,
    ("post", "/api/public/v2/evaluators"): EvaluatorCreateSerializer,
    ("post", "/api/public/v2/datasets"): DatasetCreateSerializer,
    ("post", "/api/public/dataset-items"): DatasetItemCreateSerializer,
    ("post", "/api/public/dataset-run-items"): RunItemCreateSerializer,
    ("post", "/api/public/v2/evaluation-rules"): EvaluationRuleCreateSerializer,
    ("patch", "/api/public/v2/evaluation-rules/{rule_id}"): EvaluationRuleUpdateSerializer,
    ("post", "/api/public/v2/evaluation-rules/{rule_id}/backfill"): BackfillSerializer,
    ("post", "/api/public/unstable/dashboards"): DashboardCreateSerializer,
    ("patch", "/api/public/unstable/dashboards/{dashboard_id}"): DashboardUpdateSerializer,
    ("post", "/api/public/unstable/dashboards/{dashboard_id}/placements"): PlacementCreateSerializer,
    ("patch", "/api/public/unstable/dashboards/{dashboard_id}/placements/{placement_id}"): PlacementUpdateSerializer,
}
QUERIES = {
    ("get", "/api/public/v2/prompts"): PromptListQuerySerializer,
    ("get", "/api/public/v2/prompts/{name}"): PromptFetchQuerySerializer,
    ("delete", "/api/public/v2/prompts/{name}"): PromptDeleteQuerySerializer,
    ("get", "/api/public/v2/prompts/{name}/versions/{version}"): PromptFetchQuerySerializer,
    ("delete", "/api/public/v2/prompts/{name}/versions/{version}"): PromptDeleteQuerySerializer,
    ("get", "/api/public/traces"): TraceQuerySerializer,
    ("get", "/api/public/traces/{trace_id}"): TraceQuerySerializer,
    ("get", "/api/public/v2/observations"): ObservationV2QuerySerializer,
    ("get", "/api/public/comments"): CommentQuerySerializer,
    ("get", "/api/public/dataset-items"): DatasetItemQuerySerializer,
    ("get", "/api/public/dataset-run-items"): RunItemQuerySerializer,
}


@pytest.fixture(scope="module")
def schema():
    return SchemaGenerator().get_schema(request=None, public=True)


def concrete(route: str) -> str:
    return re.sub(r"<(?:(\w+):)?(\w+)>", lambda match: "1" if match[2] == "version" else "x", route)


def normalized(path: str) -> str:
    return re.sub(r"\{[^}]*\}", "{}", path)


def operations(paths: dict) -> set[tuple[str, str]]:
    return {(method, normalized(path)) for path, item in paths.items() for method in item if method in METHODS}


def test_generation_emits_no_warning_or_error(tmp_path):
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(tmp_path / "schema.yml"))
    assert yaml.safe_load((tmp_path / "schema.yml").read_text())["paths"]


def test_every_routed_path_is_in_the_schema_with_the_methods_it_answers(schema, api_client):
    routed = public_api_routes()
    assert set(routed) >= DOCUMENTATION_ROUTES
    for path, route in routed.items():
        if path in DOCUMENTATION_ROUTES:
            continue
        assert path in schema["paths"], f"{route} is routed but missing from the schema"
        url = concrete(route)
        answered = {
            method for method in METHODS if getattr(api_client, method)(url, {}, format="json").status_code != 405
        }
        described = {method for method in schema["paths"][path] if method in METHODS}
        assert described == answered, f"{path}: the schema describes {described}, the server answers {answered}"
    assert {path for path in schema["paths"] if path.startswith("/api/public/")} == set(routed) - DOCUMENTATION_ROUTES


def test_langfuse_operations_have_the_reference_method_and_path(schema):
    reference = yaml.load(REFERENCE.read_text(), Loader=yaml.CSafeLoader)
    ours = operations(schema["paths"])
    implemented = ours & operations(reference["paths"])
    assert ("get", "/api/public/v2/prompts/{}") in implemented and ("post", "/api/public/otel/v1/traces") in implemented
    assert ours - implemented == EXTENSIONS


def wire_fields(serializer_class) -> tuple[set[str], set[str]]:
    fields = serializer_class().fields
    return set(fields), {name for name, field in fields.items() if field.required}


def component(schema, reference: dict) -> dict:
    return schema["components"]["schemas"][reference["$ref"].rpartition("/")[2]]


def test_request_bodies_are_the_serializers_the_views_parse(schema):
    for (method, path), serializer_class in REQUEST_BODIES.items():
        body = schema["paths"][path][method]["requestBody"]
        described = component(schema, body["content"]["application/json"]["schema"])
        names, required = wire_fields(serializer_class)
        assert set(described["properties"]) == names, (method, path)
        assert set(described.get("required", [])) == required, (method, path)
        assert body.get("required", False) is bool(required), (method, path)
    scores = schema["paths"]["/api/public/scores"]["post"]["requestBody"]["content"]["application/json"]["schema"]
    one, many = component(schema, scores)["oneOf"]
    assert component(schema, one) is component(schema, many["items"])
    assert set(component(schema, one)["properties"]) == wire_fields(ScoreCreateSerializer)[0]


def test_query_parameters_are_the_serializers_the_views_parse(schema):
    for (method, path), serializer_class in QUERIES.items():
        query = {
            parameter["name"]: parameter
            for parameter in schema["paths"][path][method]["parameters"]
            if parameter["in"] == "query"
        }
        names, required = wire_fields(serializer_class)
        assert set(query) >= names, (method, path)
        assert {name for name in names if query[name].get("required")} == required, (method, path)


def test_custom_request_fields_are_described_as_sent(schema):
    schemas = schema["components"]["schemas"]
    create = schemas["PromptCreateRequest"]["properties"]
    assert [option["type"] for option in create["prompt"]["oneOf"]] == ["string", "array"]
    assert create["type"]["allOf"] == [{"$ref": "#/components/schemas/PromptType"}]
    assert create["templateEngine"]["allOf"] == [{"$ref": "#/components/schemas/TemplateEngine"}]
    assert schemas["ScoreCreateRequest"]["properties"]["value"]["oneOf"] == [{"type": "number"}, {"type": "string"}]
    fields = next(
        parameter
        for parameter in schema["paths"]["/api/public/v2/observations"]["get"]["parameters"]
        if parameter["name"] == "fields"
    )
    assert fields["schema"] == {"type": "string", "default": "basic,core"}


def test_every_operation_requires_the_key_except_health(schema):
    assert schema["components"]["securitySchemes"]["BasicAuth"] == {
        "type": "http",
        "scheme": "basic",
        "description": "username: the project's public key, password: its secret key",
    }
    for path, item in schema["paths"].items():
        for method, operation in item.items():
            public = path in KEYLESS
            assert (operation.get("security") == [{"BasicAuth": []}]) is not public, (method, path)


@pytest.mark.django_db
def test_schema_is_served_as_json_without_a_key(schema):
    response = Client().get("/api/public/openapi.json")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/json")
    served = response.json()
    assert served["openapi"].startswith("3.") and served["info"]["version"] == settings.VERSION
    assert served["paths"].keys() == schema["paths"].keys()


class AssetLinks(HTMLParser):
    def __init__(self):
        super().__init__()
        self.links = []

    def handle_starttag(self, tag, attrs):
        self.links += [value for name, value in attrs if name in ("src", "href") and value]


@pytest.mark.django_db
def test_docs_page_renders_with_its_assets_from_our_static_files():
    client = Client()
    page = client.get("/api/public/docs")
    assert page.status_code == 200 and page["Content-Type"].startswith("text/html")
    parser = AssetLinks()
    parser.feed(page.content.decode())
    static = [link.removeprefix(settings.STATIC_URL) for link in parser.links if link.startswith(settings.STATIC_URL)]
    assert {Path(path).name for path in static} >= {"swagger-ui.css", "swagger-ui-bundle.js"}
    for path in static:
        assert finders.find(path), f"{path} is referenced but not a static file"
    assert all(link.startswith("/") for link in parser.links), "the page must load nothing from another host"
    script = client.get("/api/public/docs?script")
    assert script.status_code == 200 and b"/api/public/openapi.json" in script.content


@pytest.mark.django_db
@pytest.mark.parametrize("method", ["get", "delete"])
def test_unknown_api_paths_still_answer_the_json_404(method):
    """Also for unsafe methods without a CSRF token, and a prompt name no route matches (a NUL)."""
    for path in ("/api/public/openapi.yaml", "/api/public/v2/prompts/a%00b"):
        response = getattr(Client(enforce_csrf_checks=True), method)(path)
        assert response.status_code == 404, path
        assert response.json()["error"] == "LangfuseNotFoundError"
