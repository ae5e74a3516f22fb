"""Judge calibration against hand-computed figures: the judge's EVAL scores (written by real job runs on the
fake provider) against human ANNOTATION scores of the same name on the same traces."""

import pytest

from evals.live.calibration import evaluation_rule_calibration
from evals.live.jobs import evaluation_job_run, live_writes_handle
from evals.models import EvaluationJob
from tests.evals.factories import make_config, make_score
from tests.evals.live_factories import make_judge, make_rule
from tests.fakes.provider import Reply
from tests.observability.factories import T0, make_trace

pytestmark = pytest.mark.django_db


def judged(project, fake_provider, output_definition, answers: list) -> object:
    """A rule whose judge gave `answers` to traces t0, t1, ... in order."""
    ids = [f"t{index}" for index in range(len(answers))]
    for trace_id in ids:
        make_trace(project, trace_id)
    rule = make_rule(project, make_judge(project, fake_provider, output_definition=output_definition))
    live_writes_handle(project_id=project.pk, trace_ids=ids, observation_ids=[], now=T0)
    for answer, job in zip(answers, EvaluationJob.objects.order_by("trace_id"), strict=True):
        fake_provider.script(Reply(text=f'{{"reasoning": "r", "score": {answer}}}'))
        assert evaluation_job_run(job_id=job.pk, now=T0).status == "succeeded"
    return rule


def test_boolean_agreement_and_confusion_matrix(project, fake_provider):
    rule = judged(project, fake_provider, {"dataType": "BOOLEAN"}, ["true", "false", "false", "true", "true"])
    config = make_config(project, name="correctness", data_type="BOOLEAN")
    humans = [1, 1, 0, 0, 1]
    for index, value in enumerate(humans):
        make_score(
            project,
            score_id=f"h{index}",
            trace_id=f"t{index}",
            name="correctness",
            value=value,
            source="ANNOTATION",
            config_id=config.id,
            data_type="BOOLEAN",
        )
    make_score(project, score_id="api", trace_id="t0", name="correctness", value=0, data_type="BOOLEAN")

    [result] = evaluation_rule_calibration(rule=rule)

    assert (result["scoreName"], result["dataType"], result["count"], result["accuracy"]) == (
        "correctness",
        "BOOLEAN",
        5,
        0.6,
    )
    assert result["confusionMatrix"] == {
        "labels": ["False", "True"],
        "rows": [
            {"human": "False", "judge": {"False": 1, "True": 1}},
            {"human": "True", "judge": {"False": 1, "True": 2}},
        ],
    }


def test_numeric_correlation_and_mean_absolute_error(project, fake_provider):
    rule = judged(project, fake_provider, {"dataType": "NUMERIC"}, [2, 2, 5, 4])
    config = make_config(project, name="correctness", data_type="NUMERIC")
    for index, value in enumerate([1, 2, 3]):  # t3 has no human score: not counted
        make_score(
            project,
            score_id=f"h{index}",
            trace_id=f"t{index}",
            name="correctness",
            value=value,
            source="ANNOTATION",
            config_id=config.id,
        )

    [result] = evaluation_rule_calibration(rule=rule)

    # humans 1,2,3 vs judge 2,2,5: cov 3, var 2 and 6, r = 3/sqrt(12); MAE (1+0+2)/3
    assert result["count"] == 3
    assert result["pearson"] == pytest.approx(0.8660254, abs=1e-7)
    assert result["meanAbsoluteError"] == pytest.approx(1.0)
    assert result["accuracy"] is None and result["confusionMatrix"] is None


def test_no_human_scores_gives_counts_of_zero(project, fake_provider):
    rule = judged(project, fake_provider, {"dataType": "NUMERIC"}, [1])
    [result] = evaluation_rule_calibration(rule=rule)
    assert (result["count"], result["pearson"], result["meanAbsoluteError"]) == (0, None, None)
