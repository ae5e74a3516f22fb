import pytest

from aistrale.tenancy.services import api_key_revoke
from tests.clients import basic_auth, make_client

pytestmark = pytest.mark.django_db


def test_health_answers_ok_without_credentials(client):
    response = client.get("/api/public/health")
    assert response.status_code == 200
    assert response.json()["status"] == "OK"
    assert response.json()["version"]


def test_projects_returns_the_keys_project(api_client, project):
    response = api_client.get("/api/public/projects")
    assert response.status_code == 200
    [body] = response.json()["data"]
    assert body["id"] == project.id
    assert body["name"] == "Chatbot"
    assert body["organization"] == {"id": project.organization_id, "name": "Acme"}
    assert body["metadata"] == {}


def test_missing_credentials_get_401_with_langfuse_body(client):
    response = client.get("/api/public/projects")
    assert response.status_code == 401
    assert response.json()["error"] == "UnauthorizedError"
    assert response["WWW-Authenticate"].startswith("Basic")


@pytest.mark.parametrize(
    "header",
    [
        basic_auth("pk-lf-unknown", "sk-lf-whatever"),
        "Basic not-base64!!",
        "Digest abc",
    ],
)
def test_bad_credentials_get_401(client, key_pair, header):
    response = client.get("/api/public/projects", HTTP_AUTHORIZATION=header)
    assert response.status_code == 401
    assert response.json()["error"] == "UnauthorizedError"
    assert response.json()["message"]


def test_wrong_secret_gets_401(key_pair):
    public_key, _ = key_pair
    response = make_client(public_key, "sk-lf-wrong-secret-0000000000").get("/api/public/projects")
    assert response.status_code == 401


def test_revoked_key_is_refused_on_the_next_request(api_client, project):
    assert api_client.get("/api/public/projects").status_code == 200
    api_key_revoke(api_key=project.api_keys.get())
    response = api_client.get("/api/public/projects")
    assert response.status_code == 401
    assert response.json()["error"] == "UnauthorizedError"


def test_public_key_alone_is_refused_on_a_secret_only_endpoint(key_pair):
    public_key, _ = key_pair
    response = make_client(public_key).get("/api/public/projects")
    assert response.status_code == 403
    assert response.json()["error"] == "AccessDeniedError"
    assert "secret key" in response.json()["message"]


def test_each_key_sees_only_its_own_project(api_client, other_client, project, other_project):
    assert api_client.get("/api/public/projects").json()["data"][0]["id"] == project.id
    assert other_client.get("/api/public/projects").json()["data"][0]["id"] == other_project.id


def test_unknown_route_gets_404_in_langfuse_shape(api_client):
    response = api_client.get("/api/public/nope")
    assert response.status_code == 404
    assert response.json()["error"] == "LangfuseNotFoundError"
    assert "/api/public/nope" in response.json()["message"]
