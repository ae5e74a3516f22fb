"""The installed langfuse SDK's comments client against a live server: create, list with filters, get by id."""

import pytest
from langfuse.api.core.api_error import ApiError

from tests.observability.factories import make_llm_trace

pytestmark = pytest.mark.django_db(transaction=True)


def test_sdk_creates_lists_and_reads_comments(langfuse, project, member):
    make_llm_trace(project, "t-sdk")
    project_id = langfuse.api.projects.get().data[0].id
    created = langfuse.api.comments.create(
        project_id=project_id,
        object_type="TRACE",
        object_id="t-sdk",
        content="off topic",
        author_user_id=str(member.pk),
    )
    langfuse.api.comments.create(
        project_id=project_id, object_type="OBSERVATION", object_id="t-sdk-gen", content="slow"
    )
    listed = langfuse.api.comments.get(object_type="TRACE", object_id="t-sdk")
    assert [comment.id for comment in listed.data] == [created.id]
    assert (listed.meta.total_items, listed.meta.page) == (1, 1)
    comment = langfuse.api.comments.get_by_id(created.id)
    assert (comment.content, comment.author_user_id, comment.object_type) == ("off topic", str(member.pk), "TRACE")
    assert comment.created_at.tzinfo is not None
    assert langfuse.api.comments.get(limit=1, page=2).data[0].content == "off topic"


def test_sdk_gets_clear_errors(langfuse, project):
    project_id = langfuse.api.projects.get().data[0].id
    with pytest.raises(ApiError) as missing:
        langfuse.api.comments.create(project_id=project_id, object_type="TRACE", object_id="nope", content="x")
    assert missing.value.status_code == 404 and "no trace with id 'nope'" in str(missing.value.body)
    with pytest.raises(ApiError) as unknown:
        langfuse.api.comments.get_by_id("unknown-comment")
    assert unknown.value.status_code == 404
