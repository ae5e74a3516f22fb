"""Fine-tuning records from an input and an output: the OpenAI chat format and the Anthropic messages format.

An input is read as a conversation: a list of `{role, content}` messages, a `{"messages": [...]}` object, or
anything else as one user turn (strings as they are, other values as JSON text). Tool use in OpenAI's shape
(assistant `tool_calls`, `tool` turns with `tool_call_id`) is kept for OpenAI and becomes `tool_use` and
`tool_result` blocks for Anthropic. An output is the assistant turn: a string, a message's `content`, or other
values as JSON text. Every record is checked against its format before it is written (`ChatFormatError` names
the item and what is wrong).
"""

import orjson

from aistrale import json_text

OPENAI_ROLES = ("system", "developer", "user", "assistant", "tool")
TOOL_FIELDS = ("tool_calls", "tool_call_id", "name")


class ChatFormatError(ValueError):
    """A record that does not fit the fine-tuning format."""


def _text(value) -> str:
    if isinstance(value, str):
        return value
    return json_text.dumps(value, option=orjson.OPT_NON_STR_KEYS).decode()


def _content(value):
    """Message content: strings and lists of content parts stay; other values become JSON text."""
    if isinstance(value, str) or (isinstance(value, list) and all(isinstance(part, dict) for part in value)):
        return value
    return _text(value)


def _message(message: dict) -> dict:
    """One turn: role and content, with OpenAI's tool-call fields when it has them (no content on a pure call)."""
    turn = {"role": message["role"]}
    if message.get("content") is not None or not message.get("tool_calls"):
        turn["content"] = _content(message.get("content"))
    turn.update({key: message[key] for key in TOOL_FIELDS if message.get(key) is not None})
    return turn


def conversation(value) -> list[dict]:
    """The messages an input holds."""
    if isinstance(value, dict) and isinstance(value.get("messages"), list):
        value = value["messages"]
    if isinstance(value, list) and value and all(isinstance(m, dict) and "role" in m for m in value):
        return [_message(message) for message in value]
    if value is None:
        raise ChatFormatError("the input is empty")
    return [{"role": "user", "content": _text(value)}]


def assistant_text(value) -> str:
    """The assistant turn an output holds."""
    if value is None:
        raise ChatFormatError("the output (expected output) is empty")
    if isinstance(value, dict) and "content" in value:
        value = value["content"]
    elif isinstance(value, list) and value and isinstance(value[-1], dict) and "content" in value[-1]:
        value = value[-1]["content"]
    return _text(value)


def openai_chat_record(*, input, output) -> dict:
    """`{"messages": [...]}` with the output as the final assistant turn, checked."""
    record = {"messages": [*conversation(input), {"role": "assistant", "content": assistant_text(output)}]}
    openai_chat_check(record)
    return record


def openai_chat_check(record) -> None:
    """Refuse a record that is not an OpenAI chat fine-tuning example."""
    messages = record.get("messages") if isinstance(record, dict) else None
    if not isinstance(messages, list) or not messages:
        raise ChatFormatError("messages must be a non-empty list")
    for index, message in enumerate(messages):
        if not isinstance(message, dict) or message.get("role") not in OPENAI_ROLES:
            raise ChatFormatError(f"messages[{index}].role must be one of {', '.join(OPENAI_ROLES)}")
        if "tool_calls" in message:
            _openai_tool_calls_check(message, index)
        content = message.get("content")
        if "tool_calls" in message and content is None:
            continue
        if not isinstance(content, (str, list)) or (message["role"] == "assistant" and not isinstance(content, str)):
            raise ChatFormatError(f"messages[{index}].content must be text")
        if message["role"] == "tool" and not isinstance(message.get("tool_call_id"), str):
            raise ChatFormatError(f"messages[{index}].tool_call_id must name the call it answers")
    if messages[-1]["role"] != "assistant" or not messages[-1].get("content"):
        raise ChatFormatError("the last message must be a non-empty assistant turn")


def _openai_tool_calls_check(message: dict, index: int) -> None:
    calls = message["tool_calls"]
    if message["role"] != "assistant" or not isinstance(calls, list) or not calls:
        raise ChatFormatError(f"messages[{index}].tool_calls must be a non-empty list on an assistant turn")
    for number, call in enumerate(calls):
        call = call if isinstance(call, dict) else {}
        function = call.get("function") if isinstance(call.get("function"), dict) else {}
        if not all(
            isinstance(value, str) for value in (call.get("id"), function.get("name"), function.get("arguments"))
        ):
            raise ChatFormatError(
                f"messages[{index}].tool_calls[{number}] must have an id and a function with a name and arguments text"
            )


def anthropic_record(*, input, output) -> dict:
    """`{"system"?, "messages": [...]}` alternating user and assistant, ending with the output; checked."""
    system, messages = [], []
    for message in conversation(input):
        if message["role"] in ("system", "developer"):
            system.append(_text(message["content"]))
        else:
            _append_turn(messages, _anthropic_turn(message))
    _append_turn(messages, {"role": "assistant", "content": assistant_text(output)})
    record = {"messages": messages}
    if system:
        record = {"system": "\n\n".join(system), **record}
    anthropic_check(record)
    return record


def _anthropic_turn(message: dict) -> dict:
    """An OpenAI-shaped turn as Anthropic has it: tool calls as `tool_use` blocks, tool answers as `tool_result`."""
    if message["role"] == "tool":
        if not isinstance(message.get("tool_call_id"), str):
            raise ChatFormatError("a tool turn must name the call it answers (tool_call_id)")
        result = {"type": "tool_result", "tool_use_id": message.get("tool_call_id"), "content": message["content"]}
        return {"role": "user", "content": [result]}
    if not message.get("tool_calls"):
        return {"role": message["role"], "content": message["content"]}
    blocks = [{"type": "text", "text": _text(message["content"])}] if message.get("content") else []
    for call in message["tool_calls"]:
        function = call.get("function") or {}
        try:
            arguments = orjson.loads(function.get("arguments") or "{}")
        except (orjson.JSONDecodeError, TypeError):
            raise ChatFormatError(f"tool call {call.get('id')!r}: arguments are not JSON") from None
        blocks.append({"type": "tool_use", "id": call.get("id"), "name": function.get("name"), "input": arguments})
    return {"role": "assistant", "content": blocks}


def _blocks(content) -> list:
    return [{"type": "text", "text": content}] if isinstance(content, str) else list(content)


def _append_turn(messages: list[dict], turn: dict) -> None:
    """Add a turn, joining it to the previous one of the same role (Anthropic's turns alternate)."""
    if messages and messages[-1]["role"] == turn["role"]:
        messages[-1] = {"role": turn["role"], "content": _blocks(messages[-1]["content"]) + _blocks(turn["content"])}
    else:
        messages.append(turn)


def anthropic_check(record) -> None:
    """Refuse a record that is not an Anthropic messages example (user first, turns alternating)."""
    messages = record.get("messages") if isinstance(record, dict) else None
    if not isinstance(messages, list) or not messages:
        raise ChatFormatError("messages must be a non-empty list")
    if "system" in record and not isinstance(record["system"], str):
        raise ChatFormatError("system must be text")
    for index, message in enumerate(messages):
        expected = "user" if index % 2 == 0 else "assistant"
        if not isinstance(message, dict) or message.get("role") != expected:
            raise ChatFormatError(f"messages[{index}].role must be {expected} (turns alternate, user first)")
        if not isinstance(message.get("content"), (str, list)) or not message["content"]:
            raise ChatFormatError(f"messages[{index}].content must be non-empty")
    if messages[-1]["role"] != "assistant":
        raise ChatFormatError("the last message must be the assistant turn")


RECORDS = {"openai-chat": openai_chat_record, "anthropic": anthropic_record}
