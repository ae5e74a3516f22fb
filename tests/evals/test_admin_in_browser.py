"""The scores admin in a real browser: a member creates a config, sees scores on the changelist and a trace."""

import pytest

from evals.models import ScoreConfig
from tests.browser import admin_login, chromium_page, screenshot_path
from tests.evals.factories import make_config, make_score
from tests.observability.factories import make_trace

pytestmark = pytest.mark.django_db(transaction=True)


def test_member_creates_a_config_and_reads_scores(live_server, make_user, project):
    make_user("ana", project=project)
    make_trace(project, "t1", session_id="s1")
    tone = make_config(project, name="tone", data_type="CATEGORICAL", categories=[{"label": "calm", "value": 1}])
    make_score(project, score_id="a", name="relevance", value=0.75, observation_id="o-1", comment="on topic")
    make_score(project, score_id="b", value="calm", config_id=tone.id, session_id=None)
    make_score(project, score_id="c", name="satisfaction", value=4, trace_id=None, session_id="s1")
    with chromium_page() as page:
        admin_login(page, live_server.url, "/admin/evals/scoreconfig/add/", username="ana", password="pw-ana")
        page.select_option("#id_project", project.pk)
        page.fill("#id_name", "correctness")
        page.select_option("#id_data_type", "NUMERIC")
        page.fill("#id_min_value", "0")
        page.fill("#id_max_value", "1")
        page.screenshot(path=screenshot_path("admin-score-config-add"))
        page.click("input[name=_save]")
        page.wait_for_url(lambda url: url.endswith("/admin/evals/scoreconfig/"))
        page.screenshot(path=screenshot_path("admin-score-configs"))
        assert ScoreConfig.objects.filter(project=project, name="correctness", max_value=1).exists()
        page.goto(f"{live_server.url}/admin/evals/score/")
        page.screenshot(path=screenshot_path("admin-scores"))
        assert page.locator("#result_list tbody tr").count() == 3
        page.click("text=observation o-1")
        page.wait_for_selector("text=Scores by observation")
        page.screenshot(path=screenshot_path("admin-trace-observation-scores"), full_page=True)
