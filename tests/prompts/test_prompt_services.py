from contextlib import contextmanager

import pytest

from aistrale import limits
from aistrale.errors import DomainError
from aistrale.limits import column_length
from aistrale.tenancy.models import AuditEvent, Role
from prompts import signals
from prompts.models import Prompt, PromptLabel, PromptVersion, ProtectedLabel
from prompts.selectors import prompt_fetch, prompt_version_labels
from prompts.services import (
    prompt_delete,
    prompt_label_remove,
    prompt_labels_set,
    prompt_version_create,
    protected_label_set,
)

pytestmark = pytest.mark.django_db


def create(project, name="greeting", content="Hi {{name}}", **kwargs):
    kwargs.setdefault("actor_role", Role.OWNER)
    return prompt_version_create(project=project, name=name, content=content, **kwargs)


@contextmanager
def refused(status: int, match: str | None = None):
    with pytest.raises(DomainError, match=match) as raised:
        yield
    assert raised.value.status == status


@pytest.fixture
def captured():
    events = []

    def receiver(signal, sender, project, payload, **kwargs):
        events.append((signal, project.pk, payload))

    for signal in (signals.prompt_version_created, signals.prompt_label_moved, signals.prompt_deleted):
        signal.connect(receiver, weak=False)
    yield events
    for signal in (signals.prompt_version_created, signals.prompt_label_moved, signals.prompt_deleted):
        signal.disconnect(receiver)


def test_versions_are_numbered_per_prompt(project, other_project):
    assert [create(project).version for _ in range(3)] == [1, 2, 3]
    assert create(project, name="other").version == 1
    assert create(other_project).version == 1
    assert Prompt.objects.filter(project=project).count() == 2


def test_labels_move_to_the_new_version_and_latest_is_computed(project):
    first = create(project, labels=["production", "staging"])
    second = create(project, labels=["production"])
    assert prompt_version_labels(first) == ["staging"]
    assert prompt_version_labels(second) == ["production", "latest"]
    third = create(project)
    assert prompt_version_labels(second) == ["production"]
    assert prompt_version_labels(third) == ["latest"]


def test_tags_apply_to_the_prompt_and_are_kept_when_not_given(project):
    create(project, tags=["a", "b", "a"])
    create(project)
    assert Prompt.objects.get().tags == ["a", "b"]
    create(project, tags=[])
    assert Prompt.objects.get().tags == []


def test_chat_prompts_keep_messages_and_placeholders_as_sent(project):
    messages = [
        {"role": "system", "content": "Be {{tone}}", "type": "chatmessage"},
        {"type": "placeholder", "name": "history"},
    ]
    version = create(project, name="chat", content=messages, prompt_type="chat", config={"model": "gpt-4o"})
    version.refresh_from_db()
    assert version.content == messages
    assert version.config == {"model": "gpt-4o"}


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"name": ""}, "name"),
        ({"name": "a|b"}, "name"),
        ({"name": "/lead"}, "name"),
        ({"name": "x" * 501}, "name"),
        ({"prompt_type": "image"}, "type"),
        ({"content": ["not text"]}, "content"),
        ({"prompt_type": "chat", "content": "text"}, "content"),
        ({"prompt_type": "chat", "content": [{"role": "user"}]}, "content.0.content"),
        ({"prompt_type": "chat", "content": [{"type": "placeholder"}]}, "content.0.name"),
        ({"prompt_type": "chat", "content": [{"type": "image", "role": "u", "content": "x"}]}, "content.0.type"),
        ({"labels": ["Production"]}, "labels.0"),
        ({"labels": "production"}, "labels"),
        ({"tags": "a"}, "tags"),
        ({"commit_message": "x" * 501}, "commit_message"),
        ({"template_engine": "mustache"}, "template_engine"),
    ],
)
def test_invalid_input_names_the_field(project, kwargs, field):
    with pytest.raises(DomainError) as error:
        create(project, **kwargs)
    assert (error.value.field, error.value.status) == (field, 400)
    assert not PromptVersion.objects.exists()


def test_type_cannot_change_between_versions(project):
    create(project)
    with pytest.raises(DomainError, match="is a text prompt"):
        create(project, content=[{"role": "user", "content": "x"}], prompt_type="chat")


def test_composition_is_checked_on_create(project):
    with pytest.raises(DomainError, match="does not exist"):
        create(project, name="root", content="@@@langfusePrompt:name=base|label=production@@@")
    with pytest.raises(DomainError, match="cannot reference itself"):
        create(project, name="self", content="@@@langfusePrompt:name=self|label=latest@@@")
    create(project, name="a", content="A", labels=["production"])
    create(project, name="b", content="@@@langfusePrompt:name=a|label=production@@@", labels=["production"])
    with pytest.raises(DomainError, match="circular prompt composition: a v0 -> b v1 -> a v0"):
        create(project, name="a", content="@@@langfusePrompt:name=b|label=production@@@", labels=["production"])
    assert create(project, name="a", content="@@@langfusePrompt:name=b|label=production@@@").version == 2


def test_patch_labels_adds_and_moves(project):
    first = create(project, labels=["production"])
    second = create(project)
    moves = prompt_labels_set(version=first, labels=["staging"], actor_role=Role.MEMBER)
    assert [(m.label, m.from_version, m.to_version) for m in moves] == [("staging", None, 1)]
    prompt_labels_set(version=second, labels=["production"], actor_role=Role.MEMBER)
    assert prompt_version_labels(first) == ["staging"]
    assert prompt_version_labels(second) == ["production", "latest"]
    assert prompt_labels_set(version=second, labels=["production"], actor_role=Role.MEMBER) == []
    with pytest.raises(DomainError, match="reserved"):
        prompt_labels_set(version=first, labels=["latest"], actor_role=Role.OWNER)


def test_protected_labels_need_owner_or_admin(project, make_user):
    protected_label_set(project=project, name="production", protected=True, actor_role=Role.OWNER)
    version = create(project, labels=["staging"])
    with refused(403, "production are protected"):
        prompt_labels_set(version=version, labels=["production"], actor_role=Role.MEMBER)
    with refused(403):
        create(project, labels=["production"], actor_role=Role.MEMBER)
    prompt_labels_set(version=version, labels=["production"], actor_role=Role.ADMIN)
    with refused(403):
        prompt_label_remove(version=version, label="production", actor_role=Role.MEMBER)
    with refused(403):
        prompt_delete(project=project, name="greeting", version=1, actor_role=Role.MEMBER)
    member = make_user("mia", project=project, role=Role.MEMBER)
    admin = make_user("ada", project=project, role=Role.ADMIN)
    newer = create(project)
    with refused(403):
        prompt_labels_set(version=newer, labels=["production"], actor_role=None, actor_user=member)
    prompt_labels_set(version=newer, labels=["production"], actor_role=None, actor_user=admin)
    assert prompt_version_labels(newer) == ["production", "latest"]


def test_only_managers_change_protection(project):
    with refused(403):
        protected_label_set(project=project, name="production", protected=True, actor_role=Role.MEMBER)
    assert protected_label_set(project=project, name="production", protected=True, actor_role=Role.ADMIN)
    assert not protected_label_set(project=project, name="production", protected=True, actor_role=Role.ADMIN)
    assert protected_label_set(project=project, name="production", protected=False, actor_role=Role.OWNER)
    assert not ProtectedLabel.objects.exists()
    assert AuditEvent.objects.filter(action="prompt.label_protected").count() == 1


def test_label_moves_are_audited_and_signalled_after_commit(project, captured, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        first = create(project, labels=["production"])
    with django_capture_on_commit_callbacks(execute=True):
        create(project, labels=["production"])
    kinds = [
        (signal, payload.get("label"), payload.get("fromVersion"), payload.get("toVersion"))
        for signal, _, payload in captured
    ]
    assert kinds == [
        (signals.prompt_version_created, None, None, None),
        (signals.prompt_label_moved, "production", None, 1),
        (signals.prompt_version_created, None, None, None),
        (signals.prompt_label_moved, "production", 1, 2),
    ]
    assert all(project_id == project.pk for _, project_id, _ in captured)
    assert captured[2][2]["version"] == 2
    moved = AuditEvent.objects.filter(action="prompt.label_moved").order_by("at")
    assert [(event.before["version"], event.after["version"]) for event in moved] == [(None, 1), (1, 2)]
    assert first.prompt_id == moved[0].object_id


def test_signals_wait_for_commit(project, captured, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        create(project, labels=["production"])
    assert captured == []
    assert callbacks


def test_delete_by_version_label_or_whole(project, captured, django_capture_on_commit_callbacks):
    for label in ("a", "b", "c"):
        create(project, labels=[label])
    with django_capture_on_commit_callbacks(execute=True):
        assert prompt_delete(project=project, name="greeting", version=2, actor_role=Role.MEMBER) == [2]
        assert prompt_delete(project=project, name="greeting", label="a", actor_role=Role.MEMBER) == [1]
    assert list(PromptVersion.objects.values_list("version", flat=True)) == [3]
    with refused(404, "no version with label 'a'"):
        prompt_delete(project=project, name="greeting", label="a", actor_role=Role.MEMBER)
    with django_capture_on_commit_callbacks(execute=True):
        assert prompt_delete(project=project, name="greeting", actor_role=Role.MEMBER) == [3]
    assert not Prompt.objects.exists()
    assert not PromptLabel.objects.exists()
    deleted = [payload for signal, _, payload in captured if signal is signals.prompt_deleted]
    assert [(p["versions"], p["wholePrompt"]) for p in deleted] == [([2], False), ([1], False), ([3], True)]
    actions = list(
        AuditEvent.objects.filter(action__startswith="prompt.")
        .exclude(action="prompt.label_moved")
        .values_list("action", flat=True)
    )
    assert sorted(actions) == ["prompt.deleted", "prompt.versions_deleted", "prompt.versions_deleted"]
    with refused(404, "not found"):
        prompt_delete(project=project, name="greeting", actor_role=Role.MEMBER)


def test_fetch_resolves_composition_and_reports_the_graph(project):
    base = create(project, name="base", content="Be kind.", labels=["production"])
    root = create(project, name="root", content="@@@langfusePrompt:name=base|label=production@@@ Help {{user}}.")
    fetched = prompt_fetch(project=project, name="root", label="latest")
    assert fetched.content == "Be kind. Help {{user}}."
    assert fetched.resolution_graph == {
        "root": {"id": root.pk, "name": "root", "version": 1},
        "dependencies": {root.pk: [{"id": base.pk, "name": "base", "version": 1}]},
    }
    raw = prompt_fetch(project=project, name="root", label="latest", resolve=False)
    assert raw.content.startswith("@@@langfusePrompt")
    assert raw.resolution_graph is None


def test_removing_a_label_is_audited_and_signalled(project, captured, django_capture_on_commit_callbacks):
    version = create(project, labels=["staging"])
    with django_capture_on_commit_callbacks(execute=True):
        assert prompt_label_remove(version=version, label="staging", actor_role=Role.MEMBER)
    assert not prompt_label_remove(version=version, label="staging", actor_role=Role.MEMBER)
    assert prompt_version_labels(version) == ["latest"]
    [(signal, _, payload)] = [
        event for event in captured if event[2].get("toVersion") is None and event[2].get("fromVersion")
    ]
    assert signal is signals.prompt_label_moved
    assert payload["label"] == "staging"
    assert AuditEvent.objects.filter(action="prompt.label_removed").count() == 1


def nested(depth: int) -> list:
    value: list = []
    for _ in range(depth - 1):
        value = [value]
    return value


@pytest.mark.parametrize(
    "name",
    ["a\x00b", "line\nbreak", "carriage\rreturn", "tab\tbed", "bell\x07", "delete\x7f", ".", "..", "a/../b", "a/./b"],
)
def test_names_the_api_could_never_address_again_are_refused(project, name):
    with pytest.raises(DomainError) as error:
        create(project, name=name)
    assert (error.value.field, error.value.status) == ("name", 400)
    assert not Prompt.objects.exists()


def test_names_up_to_the_column_length_with_spaces_dots_and_unicode_are_accepted(project):
    for name in ("x" * column_length(Prompt, "name"), "v1.2 draft/..hidden/ünïcödé ✓", "a.b/c..d"):
        assert create(project, name=name).prompt.name == name


@pytest.mark.parametrize(
    ("kwargs", "field", "message"),
    [
        ({"config": {"a": nested(300)}}, "config", "nested deeper than 100"),
        ({"config": {"a\x00": 1}}, "config", "NUL"),
        ({"config": {"a": ["ok", "b\x00"]}}, "config", "NUL"),
        ({"content": "hi\x00"}, "content", "NUL"),
        ({"prompt_type": "chat", "content": [{"role": "user", "content": "a\x00"}]}, "content", "NUL"),
        ({"prompt_type": "chat", "content": [{"role": "u\x00", "content": "a"}]}, "content", "NUL"),
        (
            {"prompt_type": "chat", "content": [{"role": "user", "content": "a", "extra": nested(300)}]},
            "content",
            "nested deeper than 100",
        ),
        ({"tags": ["ok", "t\x00"]}, "tags.1", "NUL"),
        ({"commit_message": "c\x00"}, "commit_message", "NUL"),
        ({"commit_message": 5}, "commit_message", "must be a string"),
        ({"labels": ["a\x00"]}, "labels.0", "not a valid label"),
    ],
)
def test_values_that_would_break_a_read_or_the_database_are_refused(project, kwargs, field, message):
    with pytest.raises(DomainError, match=message) as error:
        create(project, **kwargs)
    assert error.value.field == field
    assert not PromptVersion.objects.exists()


def test_json_at_the_depth_limit_is_kept(project):
    config = {"a": nested(limits.MAX_JSON_DEPTH - 1)}
    version = create(project, config=config)
    version.refresh_from_db()
    assert version.config == config
