import pytest

from prompts.jinja import MAX_OUTPUT_CHARS, JinjaError, render


def test_renders_without_escaping():
    assert render("Hi {{ name }}{% if vip %}, welcome back{% endif %}!", {"name": "<Ann>", "vip": True}) == (
        "Hi <Ann>, welcome back!"
    )


def test_safe_formatting_still_works():
    assert render('{{ "%05d"|format(42) }} {{ "{:>4}".format("x") }} {{ 1234567 }}', {}) == "00042    x 1234567"


@pytest.mark.parametrize(
    ("template", "message"),
    [
        ("{{ name.__class__.__mro__ }}", "unsafe"),
        ("{{ cycler.__init__.__globals__ }}", "unsafe"),
        ("{{ ''.__class__.__subclasses__() }}", "unsafe"),
        ("{{ self._TemplateReference__context }}", "unsafe"),
        ("{{ 'x' * 1000000 }}", "repetition"),
        ("{% for i in range(100000) %}x{% endfor %}", "range"),
        ("{{ '%999999999s' % 'x' }}", "format widths"),
        ("{{ '{:>9999999}'.format('x') }}", "format widths"),
        ("{{ 'x'|center(100000000) }}", "center"),
        ("{{ 'x'.ljust(100000000) }}", "ljust"),
        ("{{ 10 ** 1000 }}", "exponents"),
        ("{% for i in range(5000) %}{{ 'y' * 50 }}{% endfor %}", f"output exceeds {MAX_OUTPUT_CHARS}"),
        ("{% macro f() %}{{ f() }}{% endmacro %}{{ f() }}", "recursion"),
        ("{{ missing }}", "'missing' is undefined"),
        ("{% if %}", "template error"),
    ],
)
def test_unsafe_or_broken_templates_are_refused_with_a_message(template, message):
    with pytest.raises(JinjaError, match=message):
        render(template, {"name": "Ann"})


def test_long_running_templates_stop_at_the_deadline(monkeypatch):
    monkeypatch.setattr("prompts.jinja.MAX_SECONDS", 0.05)
    with pytest.raises(JinjaError, match="ran longer"):
        render(
            "{% for i in range(10000) %}{% for j in range(10000) %}{% if j < 0 %}x{% endif %}{% endfor %}{% endfor %}",
            {},
        )
