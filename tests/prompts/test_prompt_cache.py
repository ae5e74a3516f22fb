import pytest
from django.core.cache import cache

from aistrale.generation_tokens import tokens_shared
from aistrale.tenancy.models import Role
from prompts.cache import _generation_key, cached_prompt_body
from prompts.selectors import prompt_version_find
from prompts.services import prompt_delete, prompt_labels_set, prompt_version_create
from tests.caches import redis_settle

pytestmark = pytest.mark.django_db

PROMPTS = "/api/public/v2/prompts"


def write(project, name="p"):
    """Any write that changes what a fetch of `name` returns."""
    return prompt_version_create(project=project, name=name, content="changed")


def builder(*bodies: bytes, names=frozenset({"p"}), during=None):
    """A build function returning `bodies` in turn (the last one repeats), counting its calls."""
    calls = []

    def build():
        calls.append(1)
        if during is not None:
            during()
        return bodies[min(len(calls), len(bodies)) - 1], set(names)

    build.calls = calls
    return build


@pytest.fixture
def stored(project):
    prompt_version_create(project=project, name="p", content="v1")
    prompt_version_create(project=project, name="base", content="base v1")
    return project


def body(project, build, name="p"):
    return cached_prompt_body(project_id=project.pk, name=name, selector="label:production", build=build)


def test_body_is_built_once_then_served_from_the_cache(stored):
    build = builder(b"one")
    assert body(stored, build) == b"one"
    assert body(stored, build) == b"one"
    assert len(build.calls) == 1


def test_a_write_rebuilds_on_the_next_read(stored):
    build = builder(b"one", b"two")
    body(stored, build)
    write(stored)
    assert body(stored, build) == b"two"


def test_a_write_racing_a_read_never_leaves_a_stale_body(stored):
    assert body(stored, builder(b"stale", during=lambda: write(stored))) == b"stale"
    fresh = builder(b"fresh")
    assert body(stored, fresh) == b"fresh"
    assert len(fresh.calls) == 1


def test_a_change_to_a_composed_prompt_retires_the_body(stored):
    build = builder(b"with base v1", b"with base v1", b"with base v2", names={"p", "base"})
    body(stored, build)
    assert body(stored, build) == b"with base v1"
    write(stored, name="base")
    assert body(stored, build) == b"with base v2"


def test_deleting_the_prompt_retires_the_body(stored):
    build = builder(b"one", b"after delete")
    body(stored, build)
    prompt_delete(project=stored, name="p", actor_role=Role.OWNER)
    assert body(stored, build) == b"after delete"


@pytest.mark.skipif(not tokens_shared(), reason="generation tokens live in the shared cache (Redis)")
def test_an_evicted_generation_token_is_a_miss_not_a_stale_hit(stored):
    build = builder(b"one", b"two")
    body(stored, build)
    cache.delete(_generation_key(stored.pk, "p"))
    redis_settle()
    assert body(stored, build) == b"two"


def test_projects_do_not_share_entries(stored, other_project):
    prompt_version_create(project=other_project, name="p", content="theirs")
    body(stored, builder(b"ours"))
    assert body(other_project, builder(b"theirs")) == b"theirs"


def test_every_write_is_visible_to_the_next_fetch(api_client, project):
    def fetch(**params):
        response = api_client.get(f"{PROMPTS}/greeting", params)
        return response.json().get("prompt") if response.status_code == 200 else response.status_code

    prompt_version_create(project=project, name="greeting", content="one", labels=["production"])
    second = prompt_version_create(project=project, name="greeting", content="two")
    assert fetch() == "one"
    assert fetch(label="latest") == "two"
    prompt_labels_set(version=second, labels=["production"], actor_role=Role.MEMBER)
    assert fetch() == "two"
    prompt_version_create(project=project, name="greeting", content="three", tags=["new"])
    assert fetch(label="latest") == "three"
    assert api_client.get(f"{PROMPTS}/greeting").json()["tags"] == ["new"]
    prompt_delete(project=project, name="greeting", version=3, actor_role=Role.MEMBER)
    assert fetch(label="latest") == "two"
    assert api_client.get(f"{PROMPTS}/greeting").json()["labels"] == ["production", "latest"]
    prompt_delete(project=project, name="greeting", actor_role=Role.MEMBER)
    assert fetch() == 404
    assert prompt_version_find(project=project, name="greeting", label="latest") is None
