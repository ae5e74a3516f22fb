"""The OpenAI- and Anthropic-compatible inference gateway: `POST /api/v1/chat/completions`, `/api/v1/messages`.

`auth` resolves the project's API key as the provider SDKs send it, `routing` picks the targets of a model
alias, `limits` enforces per-key requests per minute and spend per day, `proxy` forwards to the provider
(bytes through, streams unbuffered) with failover, `tracing` writes each call as a trace and generations.
"""
