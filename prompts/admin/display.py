"""How the prompt pages show a version: content as lines, JSON indented, names split into folders."""

import json

from prompts.models import PromptVersion


def folder_of(name: str) -> str:
    return name.rpartition("/")[0]


def pretty_json(value, *, sort_keys: bool = True) -> str:
    return json.dumps(value, indent=2, ensure_ascii=False, sort_keys=sort_keys)


def content_lines(version: PromptVersion) -> list[str]:
    """A version's content as lines to read and diff: chat messages become `[role]` headed blocks."""
    if isinstance(version.content, str):
        return version.content.splitlines() or [""]
    lines = []
    for message in version.content:
        if isinstance(message, dict) and message.get("type") == "placeholder":
            lines.append(f"[placeholder: {message.get('name')}]")
        elif isinstance(message, dict):
            lines.append(f"[{message.get('role')}]")
            lines.extend(str(message.get("content", "")).splitlines())
        else:
            lines.append(json.dumps(message, ensure_ascii=False))
    return lines
