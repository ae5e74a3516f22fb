"""Server-side experiments: a prompt version run over a dataset's items by the worker, each traced and judged."""
