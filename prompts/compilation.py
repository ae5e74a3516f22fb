"""Langfuse prompt semantics: `{{variable}}` substitution, chat placeholders and prompt composition.

Substitution follows the Langfuse SDKs: no HTML escaping, a variable that is not given stays as
written, `None` becomes the empty string. Composition replaces
`@@@langfusePrompt:name=NAME|label=LABEL@@@` (or `|version=N`) with the referenced text prompt.
"""

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from prompts.jinja import JinjaError, render

OPENING = "{{"
CLOSING = "}}"
MAX_COMPOSITION_DEPTH = 5
DEPENDENCY_TAG = re.compile(r"@@@langfusePrompt:(.*?)@@@")


class CompilationError(ValueError):
    """A prompt could not be compiled or resolved; the message names the problem."""


def compile_template(content: str, variables: Mapping[str, object] | None) -> str:
    """`content` with each `{{ name }}` that `variables` holds replaced by its value."""
    if not variables:
        return content
    parts = []
    position = 0
    while True:
        start = content.find(OPENING, position)
        end = content.find(CLOSING, start) if start != -1 else -1
        if end == -1:
            parts.append(content[position:])
            return "".join(parts)
        parts.append(content[position:start])
        name = content[start + len(OPENING) : end].strip()
        if name in variables:
            value = variables[name]
            parts.append("" if value is None else str(value))
        else:
            parts.append(content[start : end + len(CLOSING)])
        position = end + len(CLOSING)


def variable_names(content: str) -> list[str]:
    names = []
    position = 0
    while (start := content.find(OPENING, position)) != -1 and (end := content.find(CLOSING, start)) != -1:
        names.append(content[start + len(OPENING) : end].strip())
        position = end + len(CLOSING)
    return names


def is_placeholder(message: Mapping) -> bool:
    return message.get("type") == "placeholder"


def compile_chat(
    messages: list[Mapping], variables: Mapping[str, object] | None, placeholders: Mapping[str, object] | None
) -> list[dict]:
    """Messages with placeholders expanded (unknown ones kept) and variables substituted."""
    variables = variables or {}
    placeholders = placeholders or {}
    compiled: list[dict] = []
    for message in messages:
        if not is_placeholder(message):
            compiled.append({"role": message["role"], "content": compile_template(message["content"], variables)})
            continue
        name = message["name"]
        if name not in placeholders:
            compiled.append(dict(message))
            continue
        value = placeholders[name]
        if not isinstance(value, list) or not all(isinstance(item, Mapping) for item in value):
            raise CompilationError(f"placeholders.{name}: must be a list of chat messages with role and content")
        for item in value:
            expanded = dict(item)
            expanded["role"] = item.get("role", "NOT_GIVEN")
            expanded["content"] = compile_template(str(item.get("content", "")), variables)
            compiled.append(expanded)
    return compiled


@dataclass(frozen=True)
class Dependency:
    """A parsed composition tag: a prompt name and either a label or a version."""

    name: str
    label: str | None = None
    version: int | None = None

    def describe(self) -> str:
        return f"{self.name}|version={self.version}" if self.version is not None else f"{self.name}|label={self.label}"


def parse_dependency_tag(body: str) -> Dependency:
    """`name=NAME|label=LABEL` or `name=NAME|version=N` as found inside a composition tag."""
    fields = {}
    for part in body.split("|"):
        key, separator, value = part.partition("=")
        if not separator:
            raise CompilationError(f"prompt reference @@@langfusePrompt:{body}@@@: {part!r} is not key=value")
        fields[key.strip()] = value.strip()
    name = fields.get("name")
    if not name:
        raise CompilationError(f"prompt reference @@@langfusePrompt:{body}@@@: name is missing")
    if ("label" in fields) == ("version" in fields):
        raise CompilationError(f"prompt reference @@@langfusePrompt:{body}@@@: give exactly one of label or version")
    if "version" in fields:
        try:
            return Dependency(name=name, version=int(fields["version"]))
        except ValueError:
            raise CompilationError(
                f"prompt reference @@@langfusePrompt:{body}@@@: version must be an integer"
            ) from None
    return Dependency(name=name, label=fields["label"])


@dataclass(frozen=True)
class ResolvedPrompt:
    """A stored version as the resolver needs it."""

    id: str
    name: str
    version: int
    type: str
    content: object


PromptLoader = Callable[[Dependency], ResolvedPrompt | None]


@dataclass
class Resolution:
    content: object
    graph: dict | None
    names: set[str]


def resolve_composition(root: ResolvedPrompt, load: PromptLoader) -> Resolution:
    """Replace every composition tag, depth first; cycles, depth and missing or chat references fail."""
    dependencies: dict[str, list[dict]] = {}
    names = {root.name}

    def node(prompt: ResolvedPrompt) -> dict:
        return {"id": prompt.id, "name": prompt.name, "version": prompt.version}

    def resolve_text(text: str, parent: ResolvedPrompt, path: tuple[ResolvedPrompt, ...]) -> str:
        def replace(match: re.Match) -> str:
            reference = parse_dependency_tag(match.group(1))
            if reference.name == parent.name:
                raise CompilationError(f"prompt {parent.name!r} cannot reference itself ({reference.describe()})")
            if len(path) > MAX_COMPOSITION_DEPTH:
                trail = " -> ".join(prompt.name for prompt in path)
                raise CompilationError(
                    f"prompt composition is nested deeper than {MAX_COMPOSITION_DEPTH} levels: {trail}"
                )
            child = load(reference)
            names.add(reference.name)
            if child is None:
                raise CompilationError(
                    f"prompt {parent.name!r} references {reference.describe()}, which does not exist"
                )
            if any((prompt.name, prompt.version) == (child.name, child.version) for prompt in path):
                trail = " -> ".join(f"{prompt.name} v{prompt.version}" for prompt in (*path, child))
                raise CompilationError(f"circular prompt composition: {trail}")
            if child.type != "text":
                raise CompilationError(
                    f"prompt {parent.name!r} references {reference.describe()}, a chat prompt; only text prompts "
                    "can be composed"
                )
            edges = dependencies.setdefault(parent.id, [])
            if node(child) not in edges:
                edges.append(node(child))
            return resolve_text(child.content, child, (*path, child))

        return DEPENDENCY_TAG.sub(replace, text)

    path = (root,)
    if isinstance(root.content, str):
        content = resolve_text(root.content, root, path)
    else:
        content = [
            message if is_placeholder(message) else {**message, "content": resolve_text(message["content"], root, path)}
            for message in root.content
        ]
    graph = {"root": node(root), "dependencies": dependencies} if dependencies else None
    return Resolution(content=content, graph=graph, names=names)


def compile_prompt(*, prompt_type: str, content, engine: str, variables: Mapping, placeholders: Mapping) -> object:
    """Compile resolved content with its engine: Langfuse `{{var}}` semantics or the Jinja2 sandbox."""
    if engine != "jinja2":
        if prompt_type == "text":
            return compile_template(content, variables)
        return compile_chat(content, variables, placeholders)
    try:
        if prompt_type == "text":
            return render(content, variables)
        rendered = [
            message if is_placeholder(message) else {**message, "content": render(message["content"], variables)}
            for message in content
        ]
    except JinjaError as error:
        raise CompilationError(str(error)) from error
    return compile_chat(rendered, None, placeholders)
