"""A project's media goes with its traces, or with the project: links, rows no longer linked, stored files."""

import pytest

from aistrale.tenancy.models import Project
from observability.media.storage import media_storage
from observability.models import Media, MediaLink
from observability.services import trace_delete_many
from tests.observability.factories import make_media, make_trace

pytestmark = pytest.mark.django_db

PNG = b"\x89PNG\r\n\x1a\n" + b"first" * 40
JPEG = b"\xff\xd8\xff" + b"second" * 40


def test_deleting_traces_removes_media_only_they_referenced(project, django_capture_on_commit_callbacks):
    make_trace(project, "t1")
    make_trace(project, "t2")
    only_t1, _ = make_media(project, PNG, "image/png", trace_id="t1")
    shared, _ = make_media(project, JPEG, "image/jpeg", trace_id="t1")
    make_media(project, JPEG, "image/jpeg", trace_id="t2", field="output")
    storage = media_storage()
    assert storage.exists(only_t1.storage_path) and storage.exists(shared.storage_path)

    with django_capture_on_commit_callbacks(execute=True):
        assert trace_delete_many(project=project, trace_ids=["t1"]) == ["t1"]

    assert list(Media.objects.values_list("id", flat=True)) == [shared.id]
    assert list(MediaLink.objects.values_list("trace_id", "field")) == [("t2", "output")]
    assert not storage.exists(only_t1.storage_path)
    assert storage.exists(shared.storage_path)


def test_files_stay_when_the_deletion_rolls_back(project, django_capture_on_commit_callbacks):
    make_trace(project, "t1")
    media, _ = make_media(project, PNG, "image/png", trace_id="t1")
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        trace_delete_many(project=project, trace_ids=["t1"])
    assert callbacks, "the file removal waits for the commit"
    assert media_storage().exists(media.storage_path)


def test_deleting_a_project_removes_its_media_and_files(project, other_project, django_capture_on_commit_callbacks):
    make_trace(project, "t1")
    ours, _ = make_media(project, PNG, "image/png", trace_id="t1")
    theirs, _ = make_media(other_project, PNG, "image/png", trace_id="t1")
    with django_capture_on_commit_callbacks(execute=True):
        Project.objects.filter(pk=project.pk).delete()
    assert list(Media.objects.values_list("project_id", flat=True)) == [other_project.pk]
    assert not MediaLink.objects.filter(project_id=project.pk).exists()
    assert not media_storage().exists(ours.storage_path)
    assert media_storage().exists(theirs.storage_path)
