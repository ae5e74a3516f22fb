"""Resolved prompts cached per generation: Redis when REDIS_URL is set, local memory otherwise.

A cached body records a generation for the prompt and for every prompt it composes, and is served
only while they all still match. With Redis the generations are tokens there (see
aistrale.generation_tokens), replaced by every write now and after commit, so any web worker sees a
write on its next fetch; each worker also memoizes the bodies it served, so a repeated fetch costs
one MGET of the tokens (plus the API key's token, in the same round trip). With a process-local
cache, other workers cannot see those tokens, so the generation is the prompt row's `updated_at`
(one indexed query), which every write moves. Either way a reader that raced a write stored its
body under the old generation, which no later fetch accepts.

The prompt fetch is a measured hot path (bench/prompt_fetch): this module and the fetch in
prompts.api.views keep their hand-tuned code (bytes bodies, one MGET per memoized fetch).
"""

import hashlib
from collections.abc import Callable, Iterable

from django.core.cache import cache

from aistrale.generation_tokens import redis_key, token_bump, token_current, tokens_mget, tokens_read, tokens_shared
from prompts.models import Prompt

BODY_TIMEOUT = 3600
ABSENT = "absent"
MAX_MEMOIZED_BODIES = 4096

Builder = Callable[[], tuple[bytes, set[str]]]
Generations = dict[str, bytes | str]

_memo: dict[tuple[str, str, str], tuple[list[str], list[bytes | str], bytes]] = {}


def _name_hash(name: str) -> str:
    return hashlib.blake2b(name.encode(), digest_size=16).hexdigest()


def _generation_key(project_id: str, name: str) -> str:
    return f"prompts:token:{project_id}:{_name_hash(name)}"


def _body_key(project_id: str, name: str, selector: str) -> str:
    return f"prompts:body:{project_id}:{_name_hash(name)}:{_name_hash(selector)}"


def _generations(project_id: str, names: Iterable[str], known: Generations | None = None) -> Generations:
    """Current generation of each named prompt of the project."""
    names = list(names)
    found = {name: known[name] for name in names if known and name in known}
    missing = [name for name in names if name not in found]
    if missing and tokens_shared():
        keys = [_generation_key(project_id, name) for name in missing]
        found.update(
            {name: token_current(key, read) for name, key, read in zip(missing, keys, tokens_read(keys), strict=True)}
        )
    elif missing:
        rows = Prompt.objects.filter(project_id=project_id, name__in=missing).values_list("name", "updated_at")
        updated = {name: at.isoformat() for name, at in rows}
        found.update({name: updated.get(name, ABSENT) for name in missing})
    return found


def _memoize(project_id: str, name: str, selector: str, generations: Generations, body: bytes) -> None:
    if len(_memo) >= MAX_MEMOIZED_BODIES:
        _memo.clear()
    keys = [redis_key(_generation_key(project_id, composed)) for composed in generations]
    _memo[(project_id, name, selector)] = (keys, list(generations.values()), body)


def memoized_body(*, project_id: str, name: str, selector: str, also_current: tuple[str, bytes]) -> bytes | None:
    """This worker's body for the fetch if its generations, and the token (Redis key, value) `also_current`, hold.

    One round trip; None when there is no memo or anything moved (the caller then takes the full path).
    """
    entry = _memo.get((project_id, name, selector))
    if entry is None:
        return None
    keys, generations, body = entry
    other_key, other_token = also_current
    [other, *current] = tokens_mget([other_key, *keys])
    if other != other_token or current != generations:
        return None
    return body


def cached_prompt_body(*, project_id: str, name: str, selector: str, build: Builder) -> bytes:
    """The cached body for this fetch, or `build()`'s (body, names of composed prompts), then cached."""
    body_key = _body_key(project_id, name, selector)
    known: Generations = {}
    if tokens_shared():
        generation_key = _generation_key(project_id, name)
        [read] = tokens_read([generation_key])
        known[name] = token_current(generation_key, read)
    entry = cache.get(body_key)
    if entry is not None:
        generations = _generations(project_id, entry["generations"], known)
        if generations == entry["generations"]:
            if tokens_shared():
                _memoize(project_id, name, selector, generations, entry["body"])
            return entry["body"]
    generations = _generations(project_id, [name], known)
    body, names = build()
    if names - {name}:
        generations.update(_generations(project_id, names - {name}))
        body, rebuilt_names = build()
        if rebuilt_names != names:
            return body
    cache.set(body_key, {"generations": generations, "body": body}, timeout=BODY_TIMEOUT)
    if tokens_shared():
        _memoize(project_id, name, selector, generations, body)
    return body


def prompt_cache_invalidate(*, project_id: str, name: str) -> None:
    """Retire the prompt's cached bodies now and again after the surrounding transaction commits."""
    token_bump(_generation_key(project_id, name))
