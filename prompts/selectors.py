"""Reads on prompts: project-scoped lookups, label/version resolution, composition and the list view."""

import json
from dataclasses import dataclass
from datetime import datetime

from django.db import connection
from django.db.models import Exists, F, Max, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.utils.text import smart_split, unescape_string_literal

from aistrale.tenancy.models import Project
from prompts.compilation import Dependency, PromptLoader, ResolvedPrompt, resolve_composition
from prompts.filters import PROMPT_FILTER
from prompts.models import LATEST_LABEL, Prompt, PromptLabel, PromptVersion, ProtectedLabel


def prompt_list(*, project: Project) -> QuerySet[Prompt]:
    return Prompt.objects.filter(project=project)


def prompt_version_find(
    *, project: Project, name: str, label: str | None = None, version: int | None = None
) -> PromptVersion | None:
    """The version with this number, or carrying this label ("latest": the newest one)."""
    versions = PromptVersion.objects.select_related("prompt").filter(project=project, prompt__name=name)
    if version is not None:
        return versions.filter(version=version).first()
    if label == LATEST_LABEL:
        return versions.order_by("-version").first()
    return versions.filter(labels__name=label).first()


def prompt_version_labels(version: PromptVersion) -> list[str]:
    """The version's labels, sorted, with "latest" last when it is the newest version."""
    labels = sorted(PromptLabel.objects.filter(version=version).values_list("name", flat=True))
    newest = PromptVersion.objects.filter(prompt_id=version.prompt_id).aggregate(newest=Max("version"))["newest"]
    if newest == version.version:
        labels.append(LATEST_LABEL)
    return labels


def prompt_composition_loader(project: Project) -> PromptLoader:
    def load(reference: Dependency) -> ResolvedPrompt | None:
        found = prompt_version_find(
            project=project, name=reference.name, label=reference.label, version=reference.version
        )
        if found is None:
            return None
        return ResolvedPrompt(
            id=found.pk, name=found.prompt.name, version=found.version, type=found.type, content=found.content
        )

    return load


@dataclass(frozen=True)
class FetchedPrompt:
    """A version as served: its labels and its content with composition resolved (or raw)."""

    version: PromptVersion
    labels: list[str]
    content: object
    resolution_graph: dict | None
    composed_names: set[str]


def prompt_fetch(
    *, project: Project, name: str, label: str | None = None, version: int | None = None, resolve: bool = True
) -> FetchedPrompt | None:
    """The requested version, or None; composition errors raise CompilationError."""
    found = prompt_version_find(project=project, name=name, label=label, version=version)
    if found is None:
        return None
    labels = prompt_version_labels(found)
    if not resolve:
        return FetchedPrompt(found, labels, found.content, None, {name})
    root = ResolvedPrompt(id=found.pk, name=name, version=found.version, type=found.type, content=found.content)
    resolution = resolve_composition(root, prompt_composition_loader(project))
    return FetchedPrompt(found, labels, resolution.content, resolution.graph, resolution.names)


def _versions_updated_at() -> Coalesce:
    newest_label_move = PromptLabel.objects.filter(version=OuterRef("pk")).order_by("-updated_at").values("updated_at")
    return Coalesce(Subquery(newest_label_move[:1]), F("created_at"))


def _tag_matcher(project: Project):
    """A function from a tag to the condition "the version's prompt has this tag"."""
    if connection.features.supports_json_field_contains:
        return lambda tag: Q(prompt__tags__contains=[tag])

    def tagged(tag: str) -> Q:
        rows = prompt_list(project=project).values_list("pk", "tags")
        return Q(prompt_id__in=[pk for pk, tags in rows if tag in (tags or [])])

    return tagged


def prompt_version_filter(
    *,
    project: Project,
    name: str | None = None,
    label: str | None = None,
    tag: str | None = None,
    from_updated_at: datetime | None = None,
    to_updated_at: datetime | None = None,
    conditions: list | None = None,
) -> QuerySet[PromptVersion]:
    """Versions passing the list filters, annotated with `updated` (creation or latest label move).

    `conditions` (parsed by prompts.filters.PROMPT_FILTER) take precedence over the other filters when given.
    """
    versions = PromptVersion.objects.filter(project=project).annotate(updated=_versions_updated_at())
    if conditions is not None:
        return PROMPT_FILTER.apply(versions, conditions)
    if name is not None:
        versions = versions.filter(prompt__name=name)
    if label == LATEST_LABEL:
        newest = PromptVersion.objects.filter(prompt_id=OuterRef("prompt_id")).order_by("-version").values("version")
        versions = versions.filter(version=Subquery(newest[:1]))
    elif label is not None:
        versions = versions.filter(labels__name=label)
    if tag is not None:
        versions = versions.filter(_tag_matcher(project)(tag))
    if from_updated_at is not None:
        versions = versions.filter(updated__gte=from_updated_at)
    if to_updated_at is not None:
        versions = versions.filter(updated__lt=to_updated_at)
    return versions


def prompt_list_for_versions(versions: QuerySet[PromptVersion]) -> QuerySet[Prompt]:
    return Prompt.objects.filter(pk__in=versions.values("prompt_id")).order_by("name")


@dataclass(frozen=True)
class PromptMeta:
    name: str
    type: str
    versions: list[int]
    labels: list[str]
    tags: list[str]
    last_updated_at: datetime
    last_config: object


def prompt_meta_list(prompts: list[Prompt], versions: QuerySet[PromptVersion]) -> list[PromptMeta]:
    """One summary per prompt over its matching versions, in a fixed number of queries."""
    prompt_ids = [prompt.pk for prompt in prompts]
    rows = list(
        versions.filter(prompt_id__in=prompt_ids)
        .order_by("prompt_id", "version")
        .values("pk", "prompt_id", "version", "type", "updated")
    )
    labels_by_version: dict[str, list[str]] = {}
    for version_id, label in PromptLabel.objects.filter(version_id__in=[row["pk"] for row in rows]).values_list(
        "version_id", "name"
    ):
        labels_by_version.setdefault(version_id, []).append(label)
    newest = dict(
        PromptVersion.objects.filter(prompt_id__in=prompt_ids)
        .values("prompt_id")
        .annotate(newest=Max("version"))
        .values_list("prompt_id", "newest")
    )
    by_prompt: dict[str, list[dict]] = {}
    for row in rows:
        by_prompt.setdefault(row["prompt_id"], []).append(row)
    last_ids = {prompt_id: group[-1]["pk"] for prompt_id, group in by_prompt.items()}
    configs = dict(PromptVersion.objects.filter(pk__in=last_ids.values()).values_list("pk", "config"))
    metas = []
    for prompt in prompts:
        group = by_prompt.get(prompt.pk, [])
        if not group:
            continue
        labels: list[str] = []
        for row in group:
            labels.extend(sorted(labels_by_version.get(row["pk"], [])))
            if row["version"] == newest.get(prompt.pk):
                labels.append(LATEST_LABEL)
        metas.append(
            PromptMeta(
                name=prompt.name,
                type=group[-1]["type"],
                versions=[row["version"] for row in group],
                labels=list(dict.fromkeys(labels)),
                tags=prompt.tags or [],
                last_updated_at=max(row["updated"] for row in group),
                last_config=configs.get(last_ids[prompt.pk]),
            )
        )
    return metas


# The admin's reads


def prompt_annotate_latest(prompts: QuerySet[Prompt]) -> QuerySet[Prompt]:
    """Annotated with `latest` (the newest version number), labels prefetched by name with their version."""
    newest = PromptVersion.objects.filter(prompt=OuterRef("pk")).order_by("-version").values("version")[:1]
    labels = PromptLabel.objects.select_related("version").only("name", "prompt_id", "version__version")
    return prompts.annotate(latest=Subquery(newest)).prefetch_related(
        Prefetch("labels", queryset=labels.order_by("name"))
    )


def prompt_search(prompts: QuerySet[Prompt], search_term: str) -> QuerySet[Prompt]:
    """Prompts matching every word (or "quoted phrase") in their name, a tag or any version's content."""
    for word in smart_split(search_term):
        if word[0] in "\"'" and word[0] == word[-1] and len(word) > 1:
            word = unescape_string_literal(word)
        match = Q(name__icontains=word)
        # SQLite keeps JSON text with non-ASCII and quotes escaped; PostgreSQL's jsonb text does not.
        for form in {word, json.dumps(word)[1:-1]}:
            in_content = PromptVersion.objects.filter(prompt=OuterRef("pk"), content__icontains=form)
            match |= Q(tags__icontains=form) | Exists(in_content)
        prompts = prompts.filter(match)
    return prompts


def prompt_folder_list(prompts: QuerySet[Prompt]) -> list[str]:
    """Every folder of these prompts' names, parents included (`a/b/c` gives `a` and `a/b`), sorted."""
    folders = set()
    for name in prompts.filter(name__contains="/").values_list("name", flat=True):
        parts = name.split("/")[:-1]
        folders.update("/".join(parts[:depth]) for depth in range(1, len(parts) + 1))
    return sorted(folders)


def prompt_label_name_list(prompts: QuerySet[Prompt]) -> list[str]:
    """The distinct label names on these prompts, sorted."""
    names = PromptLabel.objects.filter(prompt__in=prompts.values("pk")).values_list("name", flat=True).distinct()
    return sorted(names)


def prompt_version_list(*, prompt: Prompt) -> list[PromptVersion]:
    """The prompt's versions, newest first, with their author and labels (by name)."""
    return list(
        prompt.versions.select_related("author").prefetch_related(
            Prefetch("labels", PromptLabel.objects.order_by("name"))
        )
    )


def protected_label_name_list(*, project: Project) -> list[str]:
    return sorted(ProtectedLabel.objects.filter(project=project).values_list("name", flat=True))


@dataclass(frozen=True)
class LabelHistory:
    """A label, the version before the one it points to (what a rollback returns to), and its protection."""

    label: PromptLabel
    previous: int | None
    protected: bool


def prompt_label_history(*, prompt: Prompt, version_numbers: list[int], protected: list[str]) -> list[LabelHistory]:
    """Each label of the prompt by name, with the version number a rollback would move it to."""
    rows = []
    for label in PromptLabel.objects.filter(prompt=prompt).select_related("version").order_by("name"):
        older = [number for number in version_numbers if number < label.version.version]
        rows.append(LabelHistory(label=label, previous=max(older, default=None), protected=label.name in protected))
    return rows
