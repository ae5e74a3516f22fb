"""The feedback admin, a module per concept.

- `comments`: the comment list and the view the comment forms post to
- `panels`: the comment panels feedback adds to the trace, session and prompt pages
- `annotation_*`: annotation queues, the annotator's pages and the "add to queue" action
"""

from feedback.admin import annotation_queues, comments  # noqa: F401  (register the ModelAdmins)
