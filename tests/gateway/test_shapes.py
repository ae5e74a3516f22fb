"""Reading answers for the trace: whole bodies and event streams of both shapes, split anywhere."""

import json

from observability.gateway.shapes import ANTHROPIC, OPENAI


def events(*payloads, event_names=None) -> bytes:
    lines = []
    for index, payload in enumerate(payloads):
        name = f"event: {event_names[index]}\n" if event_names else ""
        lines.append(f"{name}data: {payload if isinstance(payload, str) else json.dumps(payload)}\n\n")
    return "".join(lines).encode()


def test_openai_stream_text_tool_calls_and_usage_from_pieces_split_anywhere():
    body = events(
        {"model": "gpt-4o", "choices": [{"delta": {"content": "Hel"}}]},
        {"choices": [{"delta": {"content": "lo"}}]},
        {
            "choices": [
                {"delta": {"tool_calls": [{"index": 0, "id": "c1", "function": {"name": "look", "arguments": '{"q"'}}]}}
            ]
        },
        {
            "choices": [
                {
                    "delta": {"tool_calls": [{"index": 0, "function": {"arguments": ': "x"}'}}]},
                    "finish_reason": "tool_calls",
                }
            ]
        },
        {"choices": [], "usage": {"prompt_tokens": 3, "completion_tokens": 2}},
        "[DONE]",
    )
    pieces = [body[start : start + 7] for start in range(0, len(body), 7)]

    answer = OPENAI.read_events(pieces)

    assert answer.output == {
        "role": "assistant",
        "content": "Hello",
        "tool_calls": [{"id": "c1", "type": "function", "function": {"name": "look", "arguments": '{"q": "x"}'}}],
    }
    assert (answer.model, answer.finish_reason, answer.usage) == (
        "gpt-4o",
        "tool_calls",
        {"input": 3, "output": 2, "total": 5},
    )
    assert OPENAI.is_final(body) and OPENAI.is_usage_only(events({"choices": [], "usage": {"prompt_tokens": 1}}))


def test_anthropic_stream_usage_and_an_error_event():
    body = events(
        {"type": "message_start", "message": {"model": "claude", "usage": {"input_tokens": 8}}},
        {"type": "content_block_delta", "delta": {"type": "text_delta", "text": "Bon"}},
        {"type": "content_block_delta", "delta": {"type": "text_delta", "text": "jour"}},
        {"type": "error", "error": {"type": "overloaded_error", "message": "Overloaded"}},
        event_names=["message_start", "content_block_delta", "content_block_delta", "error"],
    )

    answer = ANTHROPIC.read_events([body])

    assert (answer.output["content"], answer.usage, answer.error) == (
        "Bonjour",
        {"input": 8, "output": 0, "total": 8},
        "Overloaded",
    )
    assert not ANTHROPIC.is_final(body)


def test_whole_answers_of_both_shapes():
    openai_answer = OPENAI.read(
        json.dumps(
            {
                "model": "m",
                "choices": [{"message": {"role": "assistant", "content": "hi"}, "finish_reason": "stop"}],
                "usage": {"prompt_tokens": 1, "completion_tokens": 1},
            }
        ).encode()
    )
    anthropic_answer = ANTHROPIC.read(
        json.dumps(
            {
                "model": "c",
                "content": [{"type": "text", "text": "yo"}],
                "stop_reason": "end_turn",
                "usage": {"input_tokens": 2, "output_tokens": 3},
            }
        ).encode()
    )

    assert openai_answer.output == {"role": "assistant", "content": "hi"} and openai_answer.usage["total"] == 2
    assert anthropic_answer.output == {"role": "assistant", "content": [{"type": "text", "text": "yo"}]}
    assert anthropic_answer.usage == {"input": 2, "output": 3, "total": 5}


def test_an_unreadable_event_is_skipped_and_the_rest_of_the_stream_read():
    body = events(
        {"model": "gpt-4o", "choices": [{"delta": {"content": "a"}}]},
        "{not json",
        {"choices": [{"delta": {"content": "b"}, "finish_reason": "stop"}]},
        "[DONE]",
    )

    answer = OPENAI.read_events([body])

    assert (answer.output["content"], answer.finish_reason) == ("ab", "stop")
