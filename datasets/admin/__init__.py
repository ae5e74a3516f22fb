"""The datasets admin, a module per concept.

- `comparison`: the run comparison page; `imports`: the dataset import page (upload, mapping, preview)
- `io_pages`: the runs changelist carrying both
"""

from datasets.admin import io_pages  # noqa: F401  (register the ModelAdmins)
