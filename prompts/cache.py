"""Resolved prompts cached per generation: bodies in Redis when REDIS_URL is set, local memory otherwise.

A cached body records a generation for the prompt and for every prompt it composes, and is served
only while they all still match. The generations are tokens (aistrale.generation_tokens: in Redis,
or rows of the database without it) that every write replaces, so any web worker sees a write on its
next fetch; each worker also memoizes the bodies it served, so a repeated fetch costs one read of
the tokens (plus the API key's token, in the same round trip): an MGET, or one primary-key query.
A reader that raced a write stored its body under the old generation, which no later fetch accepts.

The prompt fetch is a measured hot path (bench/prompt_fetch): this module and the fetch in
prompts.api.views keep their hand-tuned code (bytes bodies, one token read per memoized fetch).
"""

import hashlib
from collections.abc import Callable, Iterable

from django.core.cache import cache

from aistrale.generation_tokens import redis_key, token_bump, token_current, tokens_mget, tokens_read

BODY_TIMEOUT = 3600
MAX_MEMOIZED_BODIES = 4096

Builder = Callable[[], tuple[bytes, set[str]]]
Generations = dict[str, bytes]

_memo: dict[tuple[str, str, str], tuple[list[str], list[bytes], bytes]] = {}


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
    if missing:
        keys = [_generation_key(project_id, name) for name in missing]
        found.update(
            {name: token_current(key, read) for name, key, read in zip(missing, keys, tokens_read(keys), strict=True)}
        )
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
    generation_key = _generation_key(project_id, name)
    [read] = tokens_read([generation_key])
    known: Generations = {name: token_current(generation_key, read)}
    entry = cache.get(body_key)
    if entry is not None:
        generations = _generations(project_id, entry["generations"], known)
        if generations == entry["generations"]:
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
    _memoize(project_id, name, selector, generations, body)
    return body


def prompt_cache_invalidate(*, project_id: str, name: str) -> None:
    """Retire the prompt's cached bodies (with the surrounding transaction; in Redis also after it commits)."""
    token_bump(_generation_key(project_id, name))
