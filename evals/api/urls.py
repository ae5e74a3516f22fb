from django.urls import path

from evals.api import evaluator_views, views
from evals.api.rules import views as rules

urlpatterns = [
    path("scores", views.ScoresView.as_view()),
    path("scores/<path:score_id>", views.ScoreDetailView.as_view()),
    path("v2/scores", views.ScoreV2ListView.as_view()),
    path("v2/scores/<path:score_id>", views.ScoreV2DetailView.as_view()),
    path("v3/scores", views.ScoreV3ListView.as_view()),
    path("score-configs", views.ScoreConfigsView.as_view()),
    path("score-configs/<path:config_id>", views.ScoreConfigDetailView.as_view()),
    path("v2/evaluators", evaluator_views.EvaluatorsView.as_view()),
    path("v2/evaluators/<str:evaluator_id>/versions", evaluator_views.EvaluatorVersionsView.as_view()),
    path("v2/evaluators/<str:evaluator_id>", evaluator_views.EvaluatorDetailView.as_view()),
    path("v2/evaluation-rules", rules.EvaluationRulesView.as_view()),
    path("v2/evaluation-rules/<str:rule_id>", rules.EvaluationRuleDetailView.as_view()),
    path("v2/evaluation-rules/<str:rule_id>/jobs", rules.EvaluationRuleJobsView.as_view()),
    path("v2/evaluation-rules/<str:rule_id>/calibration", rules.EvaluationRuleCalibrationView.as_view()),
    path("v2/evaluation-rules/<str:rule_id>/backfill", rules.EvaluationRuleBackfillView.as_view()),
]
