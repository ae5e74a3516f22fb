"""/api/public/annotation-queues: queues, items and assignments, bad inputs, other projects, query counts."""

import pytest
from guardian.shortcuts import get_objects_for_user

from aistrale.tenancy.models import Role
from feedback.models import AnnotationQueue
from tests.feedback.annotation_factories import QUEUES_URL, make_configs, make_queue
from tests.query_counts import assert_queries_constant

pytestmark = pytest.mark.django_db

QUEUE_FIELDS = {"id", "name", "description", "scoreConfigIds", "createdAt", "updatedAt"}
ITEM_FIELDS = {"id", "queueId", "objectId", "objectType", "status", "completedAt", "createdAt", "updatedAt"}


def test_create_list_and_get_a_queue(api_client, project):
    make_configs(project)
    body = {"name": "Support", "description": "answers", "scoreConfigIds": ["cfg-quality", "cfg-tone"]}
    created = api_client.post(QUEUES_URL, body, format="json")
    assert created.status_code == 200, created.json()
    queue = created.json()
    assert set(queue) == QUEUE_FIELDS
    assert (queue["name"], queue["description"]) == ("Support", "answers")
    assert sorted(queue["scoreConfigIds"]) == ["cfg-quality", "cfg-tone"]
    listed = api_client.get(QUEUES_URL).json()
    assert [q["id"] for q in listed["data"]] == [queue["id"]]
    assert listed["meta"] == {"page": 1, "limit": 50, "totalItems": 1, "totalPages": 1}
    assert api_client.get(f"{QUEUES_URL}/{queue['id']}").json() == queue


@pytest.mark.parametrize(
    ("body", "status", "message"),
    [
        ({"scoreConfigIds": []}, 400, "name"),
        ({"name": "Q"}, 400, "scoreConfigIds"),
        ({"name": "Q", "scoreConfigIds": ["nope"]}, 400, "no score config with id 'nope'"),
        ({"name": "Q", "scoreConfigIds": "cfg-quality"}, 400, "scoreConfigIds"),
        ({"name": " ", "scoreConfigIds": []}, 400, "name"),
        ({"name": "x" * 256, "scoreConfigIds": []}, 400, "name"),
    ],
)
def test_bad_queue_bodies_are_refused_naming_the_field(api_client, project, body, status, message):
    make_configs(project)
    response = api_client.post(QUEUES_URL, body, format="json")
    assert response.status_code == status
    assert message in response.json()["message"]
    assert not AnnotationQueue.objects.exists()


def test_a_queue_name_is_taken_once_per_project_and_archived_configs_are_refused(api_client, project):
    configs = make_configs(project)
    assert api_client.post(QUEUES_URL, {"name": "Q", "scoreConfigIds": []}, format="json").status_code == 200
    again = api_client.post(QUEUES_URL, {"name": "Q", "scoreConfigIds": []}, format="json")
    assert again.status_code == 409 and "already exists" in again.json()["message"]
    configs["note"].is_archived = True
    configs["note"].save()
    archived = api_client.post(QUEUES_URL, {"name": "R", "scoreConfigIds": ["cfg-note"]}, format="json")
    assert archived.status_code == 400 and "archived" in archived.json()["message"]


def test_items_create_list_filter_get_patch_delete(api_client, project):
    queue = make_queue(project)
    url = f"{QUEUES_URL}/{queue.id}/items"
    created = api_client.post(url, {"objectId": "t1", "objectType": "TRACE"}, format="json")
    assert created.status_code == 200
    item = created.json()
    assert set(item) == ITEM_FIELDS
    assert (item["queueId"], item["status"], item["completedAt"]) == (queue.id, "PENDING", None)
    again = api_client.post(url, {"objectId": "t1", "objectType": "TRACE"}, format="json")
    assert again.json()["id"] == item["id"], "adding the same object again answers the item already there"
    api_client.post(url, {"objectId": "s1", "objectType": "SESSION", "status": "COMPLETED"}, format="json")
    assert api_client.get(url).json()["meta"]["totalItems"] == 2
    assert [i["objectId"] for i in api_client.get(url, {"status": "COMPLETED"}).json()["data"]] == ["s1"]
    assert api_client.get(f"{url}/{item['id']}").json() == item
    patched = api_client.patch(f"{url}/{item['id']}", {"status": "COMPLETED"}, format="json").json()
    assert patched["status"] == "COMPLETED" and patched["completedAt"] is not None
    reopened = api_client.patch(f"{url}/{item['id']}", {"status": "PENDING"}, format="json").json()
    assert (reopened["status"], reopened["completedAt"]) == ("PENDING", None)
    deleted = api_client.delete(f"{url}/{item['id']}")
    assert deleted.json() == {"success": True, "message": "Item removed from the annotation queue"}
    assert api_client.get(f"{url}/{item['id']}").status_code == 404


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"objectType": "TRACE"}, "objectId"),
        ({"objectId": "t1"}, "objectType"),
        ({"objectId": "t1", "objectType": "DATASET"}, "objectType"),
        ({"objectId": "t1", "objectType": "TRACE", "status": "DONE"}, "status"),
        ({"objectId": "", "objectType": "TRACE"}, "objectId"),
    ],
)
def test_bad_item_bodies_are_refused_naming_the_field(api_client, project, body, message):
    queue = make_queue(project)
    response = api_client.post(f"{QUEUES_URL}/{queue.id}/items", body, format="json")
    assert response.status_code == 400
    assert message in response.json()["message"]
    assert not queue.items.exists()


def test_bad_status_filter_and_unknown_ids_answer_400_and_404(api_client, project):
    queue = make_queue(project, items=1)
    assert api_client.get(f"{QUEUES_URL}/{queue.id}/items", {"status": "DONE"}).status_code == 400
    assert api_client.get(f"{QUEUES_URL}/nope").status_code == 404
    assert api_client.get(f"{QUEUES_URL}/nope/items").status_code == 404
    assert api_client.get(f"{QUEUES_URL}/{queue.id}/items/nope").status_code == 404
    bad_patch = api_client.patch(f"{QUEUES_URL}/{queue.id}/items/{queue.items.get().id}", {"status": 3}, format="json")
    assert bad_patch.status_code == 400


def test_assignments_grant_and_revoke_the_queue(api_client, project, other_project, make_user):
    queue = make_queue(project)
    ana = make_user("ana", project=project, role=Role.ANNOTATOR)
    url = f"{QUEUES_URL}/{queue.id}/assignments"
    created = api_client.post(url, {"userId": str(ana.pk)}, format="json")
    assert created.json() == {"userId": str(ana.pk), "queueId": queue.id, "projectId": project.id}
    assert list(get_objects_for_user(ana, "feedback.view_annotationqueue", klass=AnnotationQueue)) == [queue]
    assert api_client.delete(url, {"userId": str(ana.pk)}, format="json").json() == {"success": True}
    assert api_client.delete(url, {"userId": str(ana.pk)}, format="json").json() == {"success": False}
    ana = type(ana).objects.get(pk=ana.pk)
    assert not get_objects_for_user(ana, "feedback.view_annotationqueue", klass=AnnotationQueue).exists()
    assert api_client.post(url, {"userId": "999999"}, format="json").status_code == 404
    for stranger in (make_user("sam"), make_user("oli", project=other_project)):
        refused = api_client.post(url, {"userId": str(stranger.pk)}, format="json")
        assert refused.status_code == 404, "only members of the queue's project are assigned"
        assert "no active member of this project" in refused.json()["message"]
    assert not queue.assignments.exists()
    assert "userId" in api_client.post(url, {"userId": "ana"}, format="json").json()["message"]
    assert api_client.post(url, {}, format="json").status_code == 400


def test_another_projects_key_sees_and_changes_nothing(api_client, other_client, project):
    queue = make_queue(project, items=1)
    item = queue.items.get()
    assert other_client.get(QUEUES_URL).json()["data"] == []
    assert other_client.get(f"{QUEUES_URL}/{queue.id}").status_code == 404
    assert other_client.get(f"{QUEUES_URL}/{queue.id}/items").status_code == 404
    assert (
        other_client.patch(
            f"{QUEUES_URL}/{queue.id}/items/{item.id}", {"status": "COMPLETED"}, format="json"
        ).status_code
        == 404
    )
    assert other_client.delete(f"{QUEUES_URL}/{queue.id}/items/{item.id}").status_code == 404
    assert (
        other_client.post(
            f"{QUEUES_URL}/{queue.id}/items", {"objectId": "x", "objectType": "TRACE"}, format="json"
        ).status_code
        == 404
    )
    other_configs = other_client.post(QUEUES_URL, {"name": "Q", "scoreConfigIds": ["cfg-quality"]}, format="json")
    assert other_configs.status_code == 400, "another project's score configs are unknown here"
    item.refresh_from_db()
    assert item.status == "PENDING"


def test_list_endpoints_make_a_constant_number_of_queries(api_client, project):
    configs = make_configs(project)
    made = []

    def make_queues(count):
        for _ in range(count):
            made.append(make_queue(project, configs=configs, name=f"queue {len(made)}"))

    assert_queries_constant(lambda: api_client.get(QUEUES_URL), make_queues)
    queue = made[0]

    def make_items(count):
        from feedback.services.annotation_queues import annotation_items_add

        start = queue.items.count()
        annotation_items_add(queue=queue, objects=[("TRACE", f"t{start + i}") for i in range(count)])

    assert_queries_constant(lambda: api_client.get(f"{QUEUES_URL}/{queue.id}/items"), make_items)
