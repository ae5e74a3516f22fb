from datasets.models.experiments import ExperimentJob, ExperimentJobStatus
from datasets.models.items import Dataset, DatasetItem, DatasetItemVersion, DatasetStatus
from datasets.models.runs import DatasetRun, DatasetRunItem

__all__ = [
    "Dataset",
    "DatasetItem",
    "DatasetItemVersion",
    "DatasetRun",
    "DatasetRunItem",
    "DatasetStatus",
    "ExperimentJob",
    "ExperimentJobStatus",
]
