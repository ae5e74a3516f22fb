"""The playground: a prompts admin page that runs a prompt (a stored version or one written on the page)
with its variables filled against one or more variants (connection, model, parameters) side by side,
streaming each answer, and saves the messages as a new prompt version through the prompts services.

Calls go through `aistrale.llm.calls.stream`, traced (by the call sink observability registers) in the
environment `aistrale-playground`. What prompts may not import (a generation to open, a price) higher apps
register in `sources`.
"""
