import pytest

from prompts.compilation import (
    MAX_COMPOSITION_DEPTH,
    CompilationError,
    ResolvedPrompt,
    compile_chat,
    compile_prompt,
    compile_template,
    parse_dependency_tag,
    resolve_composition,
)


def test_variables_are_substituted_without_html_escaping():
    assert compile_template("Hi {{name}}, {{ topic }}!", {"name": "<b>Ann</b>", "topic": "a & b"}) == (
        "Hi <b>Ann</b>, a & b!"
    )


def test_missing_variables_stay_as_written_and_none_becomes_empty():
    assert compile_template("{{a}} {{ b }} {{c}}", {"a": 1, "c": None}) == "1 {{ b }} "


def test_unclosed_braces_and_no_variables_leave_text_unchanged():
    assert compile_template("{{open and {{x}", {"x": "y"}) == "{{open and {{x}"
    assert compile_template("{{x}}", None) == "{{x}}"


def test_chat_messages_get_variables_and_placeholders():
    messages = [
        {"role": "system", "content": "You help with {{topic}}."},
        {"type": "placeholder", "name": "history"},
        {"type": "placeholder", "name": "unused"},
        {"role": "user", "content": "{{question}}"},
    ]
    history = [{"role": "user", "content": "earlier {{topic}}"}, {"role": "assistant", "content": "ok", "x": 1}]
    compiled = compile_chat(messages, {"topic": "tax", "question": "why?"}, {"history": history})
    assert compiled == [
        {"role": "system", "content": "You help with tax."},
        {"role": "user", "content": "earlier tax"},
        {"role": "assistant", "content": "ok", "x": 1},
        {"type": "placeholder", "name": "unused"},
        {"role": "user", "content": "why?"},
    ]


def test_placeholder_that_is_not_a_message_list_is_refused():
    with pytest.raises(CompilationError, match="placeholders.history"):
        compile_chat([{"type": "placeholder", "name": "history"}], {}, {"history": "text"})


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ("name=base|label=production", ("base", "production", None)),
        ("name=a/b|version=3", ("a/b", None, 3)),
    ],
)
def test_dependency_tags_parse(body, expected):
    reference = parse_dependency_tag(body)
    assert (reference.name, reference.label, reference.version) == expected


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("label=x", "name is missing"),
        ("name=a", "exactly one of label or version"),
        ("name=a|label=x|version=2", "exactly one of label or version"),
        ("name=a|version=two", "version must be an integer"),
        ("name=a|oops", "is not key=value"),
    ],
)
def test_malformed_dependency_tags_name_the_problem(body, message):
    with pytest.raises(CompilationError, match=message):
        parse_dependency_tag(body)


def _store(*prompts: ResolvedPrompt):
    by_key = {}
    for prompt in prompts:
        by_key[(prompt.name, "production")] = prompt
        by_key[(prompt.name, prompt.version)] = prompt
    return lambda reference: by_key.get((reference.name, reference.label or reference.version))


def _text(name, content, version=1, prompt_type="text"):
    return ResolvedPrompt(id=f"id-{name}", name=name, version=version, type=prompt_type, content=content)


def test_composition_replaces_tags_recursively_and_records_the_graph():
    load = _store(
        _text("greeting", "Hello @@@langfusePrompt:name=name|version=2@@@!"),
        _text("name", "Ann", version=2),
    )
    root = _text("root", "@@@langfusePrompt:name=greeting|label=production@@@ How can I help?")
    resolution = resolve_composition(root, load)
    assert resolution.content == "Hello Ann! How can I help?"
    assert resolution.names == {"root", "greeting", "name"}
    assert resolution.graph == {
        "root": {"id": "id-root", "name": "root", "version": 1},
        "dependencies": {
            "id-root": [{"id": "id-greeting", "name": "greeting", "version": 1}],
            "id-greeting": [{"id": "id-name", "name": "name", "version": 2}],
        },
    }


def test_composition_inside_chat_messages():
    load = _store(_text("rules", "Be brief."))
    root = _text(
        "chat",
        [
            {"role": "system", "content": "@@@langfusePrompt:name=rules|label=production@@@"},
            {"type": "placeholder", "name": "h"},
        ],
        prompt_type="chat",
    )
    assert resolve_composition(root, load).content == [
        {"role": "system", "content": "Be brief."},
        {"type": "placeholder", "name": "h"},
    ]


def test_no_tags_means_no_graph():
    resolution = resolve_composition(_text("plain", "just text"), _store())
    assert resolution.graph is None
    assert resolution.content == "just text"


def test_cycle_is_detected_with_its_path():
    load = _store(
        _text("a", "A @@@langfusePrompt:name=b|label=production@@@"),
        _text("b", "B @@@langfusePrompt:name=a|label=production@@@"),
    )
    with pytest.raises(CompilationError, match="circular prompt composition: a v1 -> b v1 -> a v1"):
        resolve_composition(_text("a", "A @@@langfusePrompt:name=b|label=production@@@"), load)


def test_depth_is_bounded():
    chain = [_text(f"p{i}", f"@@@langfusePrompt:name=p{i + 1}|label=production@@@") for i in range(10)]
    chain.append(_text("p10", "end"))
    with pytest.raises(CompilationError, match=f"deeper than {MAX_COMPOSITION_DEPTH} levels"):
        resolve_composition(chain[0], _store(*chain))


def test_missing_and_chat_references_are_refused():
    load = _store(_text("chatty", [{"role": "user", "content": "x"}], prompt_type="chat"))
    with pytest.raises(CompilationError, match="ghost\\|label=production, which does not exist"):
        resolve_composition(_text("r", "@@@langfusePrompt:name=ghost|label=production@@@"), load)
    with pytest.raises(CompilationError, match="only text prompts can be composed"):
        resolve_composition(_text("r", "@@@langfusePrompt:name=chatty|label=production@@@"), load)


def test_compile_prompt_with_each_engine():
    assert (
        compile_prompt(prompt_type="text", content="Hi {{x}}", engine="langfuse", variables={"x": 1}, placeholders={})
        == "Hi 1"
    )
    assert (
        compile_prompt(
            prompt_type="text",
            content="{% for i in items %}{{ i }};{% endfor %}",
            engine="jinja2",
            variables={"items": [1, 2]},
            placeholders={},
        )
        == "1;2;"
    )
    chat = [{"role": "user", "content": "{{ q|upper }}"}, {"type": "placeholder", "name": "h"}]
    assert compile_prompt(
        prompt_type="chat",
        content=chat,
        engine="jinja2",
        variables={"q": "why"},
        placeholders={"h": [{"role": "assistant", "content": "{{ not rendered }}"}]},
    ) == [{"role": "user", "content": "WHY"}, {"role": "assistant", "content": "{{ not rendered }}"}]
