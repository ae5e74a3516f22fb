"""The trace explorer, a module per concept.

- `traces`: the trace list, a trace's page (tree, waterfall, payloads, scores), session replay and users
- `sessions`, `observations`: their lists (an observation opens on its trace's page)
- `gateway`: the inference gateway's routes and per-key limits
- `alerts`: alert rules with their channels, "evaluate now", and their history
- `dashboards`, `dashboard_page`: saved dashboards and the dashboard pages (project home, saved)
- `list_filters`, `payloads`, `waterfall`, `links`: the pieces those pages share
"""

from observability.admin import alerts, dashboards, gateway, observations, sessions, traces  # noqa: F401  (registers the ModelAdmins)
