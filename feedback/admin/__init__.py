"""The feedback admin, a module per concept.

- `comments`: the comment list and the view the comment forms post to
- `panels`: the comment panels feedback adds to the trace, session and prompt pages
"""

from feedback.admin import comments  # noqa: F401  (registers the ModelAdmin)
