"""The feedback admin, a module per concept.

- `comments`: the comment list and the view the comment forms post to
- `panels`: the comment panels feedback adds to the trace, session and prompt pages
- `annotation_*`: annotation queues, the annotator's pages and the "add to queue" action
- `settings`, `overview`, `trace_panel`: browser feedback's per-project settings, its overview page, its trace panel
"""

from feedback.admin import annotation_queues, comments, settings  # noqa: F401  (register the ModelAdmins)
