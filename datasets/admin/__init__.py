"""The datasets admin, a module per concept.

- `datasets`: datasets, filtered by folder (`/` in their names), written through the services; the import page
  (`imports`: upload, column mapping, preview)
- `items`: items with their version history, archive and restore
- `runs`: runs with their items, linked to the traces they produced; the run comparison page (`comparison`)
- `experiments`: the "Run experiment" page and a run's progress (extends the runs admin)
- `actions`: "Add to dataset" on the trace and observation lists (registered in apps.py)
"""

from datasets.admin import datasets, experiments, items, runs  # noqa: F401  (register the ModelAdmins)
