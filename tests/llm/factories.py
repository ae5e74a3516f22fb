import json

from aistrale.llm.models import LlmAdapter, LlmConnection


def make_connection(
    project, fake_provider, *, adapter=LlmAdapter.OPENAI, provider=None, headers=None, base_url=None, **fields
):
    base_url = base_url or (fake_provider.openai_url if adapter != LlmAdapter.ANTHROPIC else fake_provider.base_url)
    return LlmConnection.objects.create(
        project=project,
        id=f"conn-{adapter}-{provider or 'default'}",
        provider=provider or f"fake-{adapter}",
        adapter=adapter,
        secret_key="sk-test-secret-0123456789",
        base_url=base_url,
        extra_headers=json.dumps(headers) if headers else None,
        **fields,
    )
