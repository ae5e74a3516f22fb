"""Hooks through which higher apps (feedback) extend the prompt admin without upward imports.

- admin page panels: `register_page_panel("prompt", panel)`; panel(request=..., project=..., subject_id=<prompt id>)
  returns safe HTML (render_to_string, format_html) or None; the prompt page shows each panel under its versions,
  in registration order. The same contract as observability's trace and session panels.
"""

from collections.abc import Callable

Panel = Callable[..., str | None]

_page_panels: dict[str, list[Panel]] = {}


def register_page_panel(page: str, panel: Panel) -> None:
    panels = _page_panels.setdefault(page, [])
    if panel not in panels:
        panels.append(panel)


def page_panels(page: str, *, request, project, subject_id: str) -> list[str]:
    """The HTML of every panel registered for this admin page that has something to show."""
    rendered = (panel(request=request, project=project, subject_id=subject_id) for panel in _page_panels.get(page, []))
    return [html for html in rendered if html]
