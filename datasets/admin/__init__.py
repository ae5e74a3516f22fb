"""The datasets admin, a module per concept.

- `comparison`: the runs changelist and the run comparison page
"""

from datasets.admin import comparison  # noqa: F401  (register the ModelAdmins)
