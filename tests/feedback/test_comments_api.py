"""/api/public/comments: create, list with filters and pages, read by id; bad input answers a clear 4xx."""

import pytest

from aistrale.tenancy.models import AuditEvent
from feedback.models import Comment
from tests.feedback.factories import make_comment
from tests.observability.factories import make_trace
from tests.query_counts import assert_queries_constant, rows_of

pytestmark = pytest.mark.django_db

URL = "/api/public/comments"


def body(project, **fields):
    return {"projectId": project.pk, "objectType": "TRACE", "objectId": "t-1", "content": "hallucinated", **fields}


def test_create_then_read_back(api_client, project, trace, member):
    response = api_client.post(URL, body(project, authorUserId=str(member.pk)), format="json")
    assert response.status_code == 200, response.json()
    comment_id = response.json()["id"]
    read = api_client.get(f"{URL}/{comment_id}").json()
    assert read["objectType"] == "TRACE" and read["objectId"] == "t-1"
    assert (read["content"], read["authorUserId"], read["projectId"]) == ("hallucinated", str(member.pk), project.pk)
    assert set(read) == {
        "id", "projectId", "createdAt", "updatedAt", "objectType", "objectId", "content", "authorUserId"
    }  # fmt: skip
    event = AuditEvent.objects.get(action="comment.created")
    assert event.object_id == comment_id and event.actor_label.startswith("API key ")


@pytest.mark.parametrize(
    ("object_type", "object_id"),
    [("TRACE", "t-1"), ("OBSERVATION", "t-1-gen"), ("SESSION", "sess-1"), ("trace", "t-1"), ("observation", "t-1-ret")],
)
def test_every_object_type_of_the_project_takes_comments(api_client, project, trace, object_type, object_id):
    response = api_client.post(URL, body(project, objectType=object_type, objectId=object_id), format="json")
    assert response.status_code == 200, response.json()
    assert Comment.objects.get().object_type == object_type.upper()


def test_a_prompt_version_takes_comments(api_client, project, prompt_version):
    response = api_client.post(URL, body(project, objectType="PROMPT", objectId=prompt_version.pk), format="json")
    assert response.status_code == 200, response.json()


def test_a_session_known_only_from_its_traces_takes_comments(api_client, project):
    make_trace(project, "lone", session_id="only-in-traces")
    response = api_client.post(URL, body(project, objectType="SESSION", objectId="only-in-traces"), format="json")
    assert response.status_code == 200, response.json()


@pytest.mark.parametrize(
    ("fields", "status", "message"),
    [
        ({"objectType": "DATASET"}, 400, "objectType: must be one of TRACE, OBSERVATION, SESSION, PROMPT"),
        ({"objectId": "missing"}, 404, "objectId: no trace with id 'missing' in this project"),
        ({"objectType": "OBSERVATION", "objectId": "t-1"}, 404, "objectId: no observation with id 't-1'"),
        ({"objectType": "PROMPT", "objectId": "t-1"}, 404, "objectId: no prompt with id 't-1'"),
        ({"content": ""}, 400, "content: must not be empty"),
        ({"content": "   \n"}, 400, "content: must not be empty"),
        ({"content": "x" * 5001}, 400, "content: is longer than 5000 characters (5001)"),
        ({"content": "nul\x00"}, 400, "content: Null characters are not allowed"),
        ({"objectId": "x" * 1001}, 400, "objectId: is longer than 1000 characters"),
        ({"authorUserId": "999999"}, 400, "authorUserId: no member of this project has the user id '999999'"),
        ({"authorUserId": "not-a-number"}, 400, "authorUserId: no member of this project"),
        ({"projectId": "another-project"}, 403, "projectId: must be the project of the API key"),
    ],
)
def test_bad_input_is_refused_naming_the_problem(api_client, project, trace, fields, status, message):
    response = api_client.post(URL, body(project, **fields), format="json")
    assert response.status_code == status, response.json()
    assert message in response.json()["message"]
    assert not Comment.objects.exists()


@pytest.mark.parametrize("missing", ["projectId", "objectType", "objectId", "content"])
def test_required_fields(api_client, project, trace, missing):
    fields = body(project)
    del fields[missing]
    response = api_client.post(URL, fields, format="json")
    assert response.status_code == 400
    assert missing in response.json()["message"]


def test_content_of_exactly_the_limit_is_kept_whole(api_client, project, trace):
    content = "é" * 5000
    comment_id = api_client.post(URL, body(project, content=content), format="json").json()["id"]
    assert api_client.get(f"{URL}/{comment_id}").json()["content"] == content


def test_an_author_from_another_project_is_refused(api_client, project, trace, other_project, make_user):
    stranger = make_user("stranger", project=other_project)
    response = api_client.post(URL, body(project, authorUserId=str(stranger.pk)), format="json")
    assert response.status_code == 400 and "authorUserId" in response.json()["message"]


def test_list_filters_and_pages(api_client, project, trace, member):
    first = make_comment(project, "t-1", author=member)
    make_comment(project, "t-1-gen", object_type="OBSERVATION")
    make_comment(project, "sess-1", object_type="SESSION")
    latest = make_comment(project, "t-1", content="second")

    def ids(**params):
        response = api_client.get(URL, params)
        assert response.status_code == 200, response.json()
        return [comment["id"] for comment in response.json()["data"]]

    assert ids(objectType="TRACE", objectId="t-1") == [latest.id, first.id]
    assert ids(objectType="observation") == [Comment.objects.get(object_type="OBSERVATION").id]
    assert ids(authorUserId=str(member.pk)) == [first.id]
    assert ids(authorUserId="nobody") == []
    page = api_client.get(URL, {"limit": 3, "page": 2}).json()
    assert page["meta"] == {"page": 2, "limit": 3, "totalItems": 4, "totalPages": 2}
    assert [comment["id"] for comment in page["data"]] == [first.id]


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"objectId": "t-1"}, "objectType: is required when objectId is given"),
        ({"objectType": "DATASET"}, "objectType: must be one of"),
        ({"limit": 0}, "limit: must be at least 1"),
        ({"page": "x"}, "page: must be a positive integer"),
    ],
)
def test_bad_list_queries_are_refused(api_client, params, message):
    response = api_client.get(URL, params)
    assert response.status_code == 400
    assert message in response.json()["message"]


def test_comments_stay_in_their_project(api_client, other_client, project, other_project, trace):
    mine = make_comment(project, "t-1")
    make_trace(other_project, "t-1")
    assert other_client.get(URL).json()["data"] == []
    assert other_client.get(f"{URL}/{mine.id}").status_code == 404
    response = other_client.post(URL, body(project), format="json")
    assert response.status_code == 403
    response = other_client.post(URL, body(other_project, objectType="OBSERVATION", objectId="t-1-gen"), format="json")
    assert response.status_code == 404
    assert [comment["id"] for comment in api_client.get(URL).json()["data"]] == [mine.id]


def test_an_unknown_comment_is_404(api_client):
    response = api_client.get(f"{URL}/nope")
    assert response.status_code == 404 and response.json()["error"] == "LangfuseNotFoundError"


def test_the_list_makes_constant_queries(api_client, project, trace, member):
    assert_queries_constant(
        lambda: api_client.get(URL, {"limit": 100}),
        rows_of(lambda index: make_comment(project, "t-1", content=f"c{index}", author=member)),
    )


def test_comments_go_with_their_deleted_traces(api_client, project, trace):
    make_trace(project, "kept")
    make_comment(project, "t-1")
    make_comment(project, "t-1-gen", object_type="OBSERVATION")
    kept = make_comment(project, "kept")
    session = make_comment(project, "sess-1", object_type="SESSION")
    assert api_client.delete("/api/public/traces/t-1").status_code == 200
    assert set(Comment.objects.values_list("id", flat=True)) == {kept.id, session.id}
