"""The installed langfuse SDK's (5.x) annotation_queues client against a live server, every operation."""

import pytest
from langfuse import Langfuse

from aistrale.tenancy.models import Role
from tests.feedback.annotation_factories import make_configs

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def langfuse(live_server, key_pair):
    client = Langfuse(public_key=key_pair[0], secret_key=key_pair[1], base_url=live_server.url, tracing_enabled=False)
    yield client
    client.shutdown()


def test_sdk_manages_queues_items_and_assignments(langfuse, project, make_user):
    make_configs(project)
    ana = make_user("ana", project=project, role=Role.ANNOTATOR)
    queues = langfuse.api.annotation_queues
    queue = queues.create_queue(name="Support", description="answers", score_config_ids=["cfg-quality"])
    assert (queue.name, queue.description, queue.score_config_ids) == ("Support", "answers", ["cfg-quality"])
    assert [q.id for q in queues.list_queues(page=1, limit=10).data] == [queue.id]
    assert queues.get_queue(queue.id).created_at == queue.created_at

    item = queues.create_queue_item(queue.id, object_id="t1", object_type="TRACE")
    assert (item.queue_id, item.object_id, item.status, item.completed_at) == (queue.id, "t1", "PENDING", None)
    queues.create_queue_item(queue.id, object_id="o1", object_type="OBSERVATION", status="COMPLETED")
    assert [i.object_id for i in queues.list_queue_items(queue.id, status="PENDING").data] == ["t1"]
    done = queues.update_queue_item(queue.id, item.id, status="COMPLETED")
    assert done.status == "COMPLETED" and done.completed_at is not None
    assert queues.get_queue_item(queue.id, item.id).status == "COMPLETED"
    deleted = queues.delete_queue_item(queue.id, item.id)
    assert deleted.success is True
    assert queues.list_queue_items(queue.id).meta.total_items == 1

    assigned = queues.create_queue_assignment(queue.id, user_id=str(ana.pk))
    assert (assigned.user_id, assigned.queue_id, assigned.project_id) == (str(ana.pk), queue.id, project.id)
    assert queues.delete_queue_assignment(queue.id, user_id=str(ana.pk)).success is True
