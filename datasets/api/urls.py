from django.urls import path

from datasets.api import views

urlpatterns = [
    path("v2/datasets", views.DatasetsView.as_view()),
    path("v2/datasets/<path:dataset_name>", views.DatasetDetailView.as_view()),
    path("dataset-items", views.DatasetItemsView.as_view()),
    path("dataset-items/<path:dataset_item_id>", views.DatasetItemDetailView.as_view()),
    path("datasets/<path:dataset_name>/runs", views.DatasetRunsView.as_view()),
    path("datasets/<path:dataset_name>/runs/<path:run_name>", views.DatasetRunDetailView.as_view()),
    path("dataset-run-items", views.DatasetRunItemsView.as_view()),
    path("experiments", views.ExperimentsView.as_view()),
    path("experiment-items", views.ExperimentItemsView.as_view()),
]
