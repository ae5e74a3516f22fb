"""Feedback settings: origins normalized as browsers send them, bad ones refused naming the field, audited."""

import pytest

from aistrale.errors import DomainError
from aistrale.tenancy.models import AuditEvent
from feedback.selectors.feedback import origin_allowed, origin_allowed_anywhere
from feedback.services.feedback_settings import MAX_ORIGINS, feedback_settings_update, origin_normalize

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("given", "origin"),
    [
        ("https://App.Example.com", "https://app.example.com"),
        ("https://app.example.com/", "https://app.example.com"),
        ("  http://localhost:3000 ", "http://localhost:3000"),
        ("http://[::1]:8080", "http://[::1]:8080"),
    ],
)
def test_origins_are_stored_as_browsers_send_them(given, origin):
    assert origin_normalize(given) == origin


@pytest.mark.parametrize(
    "given",
    ["app.example.com", "ftp://app.example.com", "https://app.example.com/path", "https://u:p@host", "https://h:99999"],
)
def test_what_is_not_an_origin_is_refused(given):
    with pytest.raises(DomainError) as refused:
        origin_normalize(given)
    assert refused.value.field == "allowed_origins"
    assert "not an origin" in refused.value.message


def test_update_replaces_the_list_dedupes_and_audits(project):
    feedback_settings_update(project=project, allowed_origins=["https://a.example", "https://b.example"])

    settings = feedback_settings_update(project=project, allowed_origins=["https://b.example", "https://B.example", ""])

    assert settings.origins == ["https://b.example"]
    assert origin_allowed(project_id=project.pk, origin="https://b.example")
    assert not origin_allowed(project_id=project.pk, origin="https://a.example")
    assert origin_allowed_anywhere(origin="https://b.example")
    assert not origin_allowed_anywhere(origin="https://b.exam")
    event = AuditEvent.objects.filter(object_type="feedback_settings").latest("pk")
    assert event.before == {"allowed_origins": ["https://a.example", "https://b.example"]}
    assert event.after == {"allowed_origins": ["https://b.example"]}


def test_too_many_origins_are_refused(project):
    with pytest.raises(DomainError, match=f"at most {MAX_ORIGINS}"):
        feedback_settings_update(
            project=project, allowed_origins=[f"https://h{n}.example" for n in range(MAX_ORIGINS + 1)]
        )


def test_a_project_without_settings_allows_no_origin(project):
    assert not origin_allowed(project_id=project.pk, origin="https://app.example.com")
