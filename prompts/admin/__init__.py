"""The prompts admin, a module per concept.

- `prompts`: the prompt list and each prompt's pages (history, insights, diff, labels, new versions)
- `protected_labels`: the project setting of which labels only owners and admins move
- `webhooks`: webhook endpoints and their delivery log
- `forms`, `list_filters`, `display`: the pieces those pages share
"""

from prompts.admin import prompts, protected_labels, webhooks  # noqa: F401  (registers the ModelAdmins)
