"""Writes on prompts: new versions, label moves, protected labels and deletions, with their rules."""

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from aistrale.errors import DomainError
from aistrale.limits import column_length, json_depth_check, text_check
from aistrale.tenancy.models import MANAGING_ROLES, Project
from aistrale.tenancy.selectors import project_role
from aistrale.tenancy.services import audit_record
from prompts import signals
from prompts.cache import prompt_cache_invalidate
from prompts.compilation import CompilationError, ResolvedPrompt, resolve_composition
from prompts.models import (
    COMMIT_MESSAGE_MAX_LENGTH,
    LABEL_MAX_LENGTH,
    LATEST_LABEL,
    Prompt,
    PromptLabel,
    PromptType,
    PromptVersion,
    ProtectedLabel,
    TemplateEngine,
)
from prompts.selectors import prompt_composition_loader

LABEL_PATTERN = re.compile(r"^[a-z0-9_\-.]+$")
RESERVED_NAMES = frozenset({"new"})
DOT_SEGMENTS = frozenset({".", ".."})
UNADDRESSABLE_CATEGORIES = frozenset({"Cc", "Cs"})


@dataclass(frozen=True)
class LabelMove:
    label: str
    from_version: int | None
    to_version: int


def prompt_name_validate(name) -> str:
    """A name the API can address again: no control characters, no empty or dot folders, no '|'."""
    if not isinstance(name, str) or not name.strip():
        raise DomainError("must be a non-empty string", field="name")
    text_check(name, field="name", max_length=column_length(Prompt, "name"))
    unaddressable = sorted({char for char in name if unicodedata.category(char) in UNADDRESSABLE_CATEGORIES})
    if unaddressable:
        shown = ", ".join(f"U+{ord(char):04X}" for char in unaddressable)
        raise DomainError(f"must not contain control characters ({shown})", field="name")
    if "|" in name:
        raise DomainError("cannot contain '|'", field="name")
    if name.startswith("/") or name.endswith("/") or "//" in name:
        raise DomainError("folders in a name cannot be empty: no leading, trailing or double '/'", field="name")
    if DOT_SEGMENTS.intersection(name.split("/")):
        raise DomainError("a name or folder cannot be '.' or '..': clients resolve them away in URLs", field="name")
    if name in RESERVED_NAMES:
        raise DomainError(f"{name!r} is reserved", field="name")
    return name


def _labels_validate(labels, *, field: str = "labels") -> list[str]:
    """Distinct valid label names, in the order given."""
    if labels is None:
        return []
    if not isinstance(labels, (list, tuple)):
        raise DomainError("must be a list of strings", field=field)
    result: list[str] = []
    for index, label in enumerate(labels):
        if not isinstance(label, str) or not label:
            raise DomainError("must be a non-empty string", field=f"{field}.{index}")
        if len(label) > LABEL_MAX_LENGTH or not LABEL_PATTERN.match(label):
            raise DomainError(
                f"{label!r} is not a valid label: lowercase letters, digits, '_', '-' or '.', "
                f"at most {LABEL_MAX_LENGTH} characters",
                field=f"{field}.{index}",
            )
        if label not in result:
            result.append(label)
    return result


def _tags_validate(tags) -> list[str] | None:
    if tags is None:
        return None
    if not isinstance(tags, (list, tuple)) or not all(isinstance(tag, str) and tag for tag in tags):
        raise DomainError("must be a list of non-empty strings", field="tags")
    for index, tag in enumerate(tags):
        text_check(tag, field=f"tags.{index}")
    return list(dict.fromkeys(tags))


def _json_value_check(value, *, field: str) -> None:
    """Refuse JSON nested deeper than the limit, or holding a NUL character in a key or string."""
    json_depth_check(value, field=field)
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            text_check(item, field=field)
        elif isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)


def _content_validate(prompt_type: str, content) -> None:
    if prompt_type == PromptType.TEXT:
        if not isinstance(content, str):
            raise DomainError("a text prompt must be a string", field="content")
        text_check(content, field="content")
        return
    if not isinstance(content, list):
        raise DomainError("a chat prompt must be a list of messages", field="content")
    for index, message in enumerate(content):
        field = f"content.{index}"
        if not isinstance(message, dict):
            raise DomainError("must be an object with role and content, or a placeholder with name", field=field)
        kind = message.get("type")
        if kind == "placeholder":
            if not isinstance(message.get("name"), str) or not message["name"]:
                raise DomainError("a placeholder needs a non-empty string name", field=f"{field}.name")
            continue
        if kind not in (None, "chatmessage", "message"):
            raise DomainError(f"type must be 'chatmessage' or 'placeholder', got {kind!r}", field=f"{field}.type")
        for key in ("role", "content"):
            if not isinstance(message.get(key), str):
                raise DomainError("must be a string", field=f"{field}.{key}")
    _json_value_check(content, field="content")


def _role_for(project: Project, actor_role: str | None, actor_user) -> str | None:
    if actor_role is None and actor_user is not None:
        return project_role(actor_user, project)
    return actor_role


def _protected_labels_check(*, project: Project, labels: Iterable[str], actor_role: str | None, actor_user=None):
    """Raise a 403 DomainError when a protected label is among `labels` and the actor is no owner or admin."""
    labels = set(labels)
    if not labels or _role_for(project, actor_role, actor_user) in MANAGING_ROLES:
        return
    protected = sorted(ProtectedLabel.objects.filter(project=project, name__in=labels).values_list("name", flat=True))
    if protected:
        raise DomainError(
            f"label(s) {', '.join(protected)} are protected in this project: only owners and admins may set, "
            "move or delete them",
            status=403,
        )


def _composition_check(*, project: Project, name: str, prompt_type: str, content, labels: Sequence[str]) -> None:
    """Resolve the new version as it will be served: it becomes "latest" and takes `labels`."""
    root = ResolvedPrompt(id="new", name=name, version=0, type=prompt_type, content=content)
    stored = prompt_composition_loader(project)

    def load(reference):
        if reference.name == name and (reference.label == LATEST_LABEL or reference.label in labels):
            return root
        return stored(reference)

    try:
        resolve_composition(root, load)
    except CompilationError as error:
        raise DomainError(str(error), field="content") from error


def _send(signal, *, project: Project, payload: dict) -> None:
    transaction.on_commit(lambda: signal.send(sender=Prompt, project=project, payload=payload))


def _move_labels(*, version: PromptVersion, labels: Sequence[str]) -> list[LabelMove]:
    """Put `labels` on `version`, taking them off the prompt's other versions."""
    current = {
        label.name: label
        for label in PromptLabel.objects.filter(prompt_id=version.prompt_id, name__in=labels).select_related("version")
    }
    moves = []
    for label in labels:
        existing = current.get(label)
        if existing is not None and existing.version_id == version.pk:
            continue
        if existing is not None:
            moves.append(LabelMove(label=label, from_version=existing.version.version, to_version=version.version))
            existing.version = version
            existing.save(update_fields=["version", "updated_at"])
        else:
            moves.append(LabelMove(label=label, from_version=None, to_version=version.version))
            PromptLabel.objects.create(prompt_id=version.prompt_id, version=version, name=label)
    return moves


def _record_moves(*, prompt: Prompt, moves: list[LabelMove]) -> None:
    for move in moves:
        payload = {
            "promptId": prompt.pk,
            "name": prompt.name,
            "label": move.label,
            "fromVersion": move.from_version,
            "toVersion": move.to_version,
        }
        audit_record(
            action="prompt.label_moved",
            object_type="Prompt",
            object_id=prompt.pk,
            project=prompt.project,
            before={"name": prompt.name, "label": move.label, "version": move.from_version},
            after={"name": prompt.name, "label": move.label, "version": move.to_version},
        )
        _send(signals.prompt_label_moved, project=prompt.project, payload=payload)


def _touch(prompt: Prompt) -> None:
    Prompt.objects.filter(pk=prompt.pk).update(updated_at=timezone.now())
    prompt_cache_invalidate(project_id=prompt.project_id, name=prompt.name)


def _version_payload(version: PromptVersion, labels: Sequence[str]) -> dict:
    return {
        "promptId": version.prompt_id,
        "name": version.prompt.name,
        "version": version.version,
        "type": version.type,
        "labels": list(labels),
        "commitMessage": version.commit_message or None,
        "createdBy": version.created_by,
    }


def prompt_version_create(
    *,
    project: Project,
    name: str,
    content,
    prompt_type: str = PromptType.TEXT,
    config=None,
    labels: Sequence[str] = (),
    tags: Sequence[str] | None = None,
    commit_message: str | None = None,
    template_engine: str = TemplateEngine.LANGFUSE,
    actor_role: str | None = None,
    author=None,
    created_by: str = "API",
) -> PromptVersion:
    """Create the prompt's next version (and the prompt on first use), moving `labels` onto it."""
    name = prompt_name_validate(name)
    if prompt_type not in PromptType.values:
        raise DomainError(f"must be one of {', '.join(PromptType.values)}, got {prompt_type!r}", field="type")
    if template_engine not in TemplateEngine.values:
        raise DomainError(
            f"must be one of {', '.join(TemplateEngine.values)}, got {template_engine!r}", field="template_engine"
        )
    _content_validate(prompt_type, content)
    labels = [label for label in _labels_validate(labels) if label != LATEST_LABEL]
    tags = _tags_validate(tags)
    if commit_message is not None:
        if not isinstance(commit_message, str):
            raise DomainError("must be a string", field="commit_message")
        text_check(commit_message, field="commit_message", max_length=COMMIT_MESSAGE_MAX_LENGTH)
    if config is not None:
        _json_value_check(config, field="config")
    _protected_labels_check(project=project, labels=labels, actor_role=actor_role, actor_user=author)
    _composition_check(project=project, name=name, prompt_type=prompt_type, content=content, labels=labels)
    with transaction.atomic():
        prompt, _ = Prompt.objects.get_or_create(project=project, name=name, defaults={"tags": tags or []})
        prompt = Prompt.objects.select_for_update().get(pk=prompt.pk)
        newest = prompt.versions.order_by("-version").values("version", "type").first()
        if newest is not None and newest["type"] != prompt_type:
            raise DomainError(
                f"prompt {name!r} is a {newest['type']} prompt; a new version cannot be {prompt_type}. "
                "Create a prompt with another name instead",
                field="type",
            )
        version = PromptVersion.objects.create(
            project=project,
            prompt=prompt,
            version=(newest["version"] + 1) if newest else 1,
            type=prompt_type,
            content=content,
            config={} if config is None else config,
            template_engine=template_engine,
            commit_message=commit_message or "",
            author=author,
            created_by=created_by,
        )
        if tags is not None and tags != prompt.tags:
            prompt.tags = tags
            prompt.save(update_fields=["tags", "updated_at"])
        moves = _move_labels(version=version, labels=labels)
        _touch(prompt)
        _send(signals.prompt_version_created, project=project, payload=_version_payload(version, labels))
        _record_moves(prompt=prompt, moves=moves)
    return version


def prompt_labels_set(
    *, version: PromptVersion, labels: Sequence[str], actor_role: str | None, actor_user=None
) -> list[LabelMove]:
    """Add `labels` to `version` (moving them off other versions); returns the moves made."""
    labels = _labels_validate(labels)
    if LATEST_LABEL in labels:
        raise DomainError(f"{LATEST_LABEL!r} is reserved: it always points to the newest version", field="labels")
    project = version.prompt.project
    _protected_labels_check(project=project, labels=labels, actor_role=actor_role, actor_user=actor_user)
    with transaction.atomic():
        Prompt.objects.select_for_update().filter(pk=version.prompt_id).first()
        moves = _move_labels(version=version, labels=labels)
        if moves:
            _touch(version.prompt)
            _record_moves(prompt=version.prompt, moves=moves)
    return moves


def prompt_label_remove(*, version: PromptVersion, label: str, actor_role: str | None, actor_user=None) -> bool:
    """Take `label` off `version`; False when it was not there."""
    prompt = version.prompt
    _protected_labels_check(project=prompt.project, labels=[label], actor_role=actor_role, actor_user=actor_user)
    with transaction.atomic():
        deleted, _ = PromptLabel.objects.filter(version=version, name=label).delete()
        if not deleted:
            return False
        _touch(prompt)
        audit_record(
            action="prompt.label_removed",
            object_type="Prompt",
            object_id=prompt.pk,
            project=prompt.project,
            before={"name": prompt.name, "label": label, "version": version.version},
            after={"name": prompt.name, "label": label, "version": None},
        )
        payload = {
            "promptId": prompt.pk,
            "name": prompt.name,
            "label": label,
            "fromVersion": version.version,
            "toVersion": None,
        }
        _send(signals.prompt_label_moved, project=prompt.project, payload=payload)
    return True


def protected_label_set(*, project: Project, name: str, protected: bool, actor_role: str | None, actor_user=None):
    """Protect a label name in the project, or lift the protection (owners and admins only)."""
    [name] = _labels_validate([name], field="name")
    if _role_for(project, actor_role, actor_user) not in MANAGING_ROLES:
        raise DomainError("only owners and admins may change which labels are protected", status=403)
    with transaction.atomic():
        if protected:
            _, created = ProtectedLabel.objects.get_or_create(project=project, name=name)
            changed = created
        else:
            changed = ProtectedLabel.objects.filter(project=project, name=name).delete()[0] > 0
        if changed:
            audit_record(
                action="prompt.label_protected" if protected else "prompt.label_unprotected",
                object_type="ProtectedLabel",
                object_id=name,
                project=project,
                before={"name": name, "protected": not protected},
                after={"name": name, "protected": protected},
            )
    return changed


def prompt_delete(
    *,
    project: Project,
    name: str,
    label: str | None = None,
    version: int | None = None,
    actor_role: str | None = None,
    actor_user=None,
) -> list[int]:
    """Delete the versions matching label and/or version, or the whole prompt; returns the numbers deleted."""
    with transaction.atomic():
        prompt = Prompt.objects.select_for_update().filter(project=project, name=name).first()
        if prompt is None:
            raise DomainError(f"prompt {name!r} not found", status=404)
        versions = prompt.versions.all()
        if label == LATEST_LABEL:
            latest = versions.aggregate(newest=Max("version"))["newest"]
            versions = versions.filter(version=latest)
        elif label is not None:
            versions = versions.filter(labels__name=label)
        if version is not None:
            versions = versions.filter(version=version)
        numbers = sorted(versions.values_list("version", flat=True))
        if not numbers:
            wanted = " and ".join(
                part for part in (label and f"label {label!r}", version and f"version {version}") if part
            )
            raise DomainError(f"prompt {name!r} has no version with {wanted}", status=404)
        carried = PromptLabel.objects.filter(prompt=prompt, version__version__in=numbers).values_list("name", flat=True)
        _protected_labels_check(project=project, labels=carried, actor_role=actor_role, actor_user=actor_user)
        prompt_id = prompt.pk
        whole = len(numbers) == prompt.versions.count()
        if whole:
            prompt.delete()
        else:
            prompt.versions.filter(version__in=numbers).delete()
            Prompt.objects.filter(pk=prompt.pk).update(updated_at=timezone.now())
        prompt_cache_invalidate(project_id=project.pk, name=name)
        audit_record(
            action="prompt.deleted" if whole else "prompt.versions_deleted",
            object_type="Prompt",
            object_id=prompt_id,
            project=project,
            before={"name": name, "versions": numbers},
            after=None if whole else {"name": name, "remainingVersions": prompt.versions.count()},
        )
        payload = {"promptId": prompt_id, "name": name, "versions": numbers, "wholePrompt": whole}
        _send(signals.prompt_deleted, project=project, payload=payload)
    return numbers
