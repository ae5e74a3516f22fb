"""The provider SDKs' exceptions (openai and anthropic share their names) as the typed LlmErrors.

A stream cut mid-way surfaces from the SDKs' transport (httpx2) as it is, so that is mapped here too.
The SDKs are imported when a call first runs, not with this module (see calls.py).
"""

from collections.abc import Iterator
from contextlib import contextmanager

import httpx2

from aistrale.llm.types import LlmAuthError, LlmBadRequest, LlmError, LlmProviderDown, LlmRateLimited, LlmTimeout


def _message(error: Exception) -> str:
    body = getattr(error, "body", None)
    if isinstance(body, dict):
        detail = body.get("error", body)
        if isinstance(detail, dict) and detail.get("message"):
            return str(detail["message"])
    return str(error)


def _typed(error: Exception, provider: str) -> LlmError:
    import anthropic
    import openai

    for sdk in (openai, anthropic):
        if isinstance(error, sdk.APITimeoutError):
            return LlmTimeout(f"{provider}: the provider did not answer in time")
        if isinstance(error, sdk.APIConnectionError):
            return LlmProviderDown(f"{provider}: cannot reach the provider: {error}")
        if isinstance(error, sdk.AuthenticationError | sdk.PermissionDeniedError):
            return LlmAuthError(f"{provider}: the provider refused the key: {_message(error)}")
        if isinstance(error, sdk.RateLimitError):
            return LlmRateLimited(f"{provider}: rate limited by the provider: {_message(error)}")
        if isinstance(error, sdk.APIStatusError):
            if error.status_code >= 500:
                return LlmProviderDown(f"{provider}: provider error {error.status_code}: {_message(error)}")
            return LlmBadRequest(
                f"{provider}: the provider refused the request ({error.status_code}): {_message(error)}"
            )
    raise error


@contextmanager
def provider_errors(provider: str) -> Iterator[None]:
    """Raise the SDKs' errors (after the SDK's own retries) as LlmErrors naming the connection."""
    import anthropic
    import openai

    try:
        yield
    except (openai.OpenAIError, anthropic.AnthropicError) as error:
        raise _typed(error, provider) from error
    except httpx2.TransportError as error:
        raise LlmProviderDown(f"{provider}: the connection to the provider broke off: {error}") from error
