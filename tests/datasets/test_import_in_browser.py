"""The import page in a real browser: a member uploads a CSV, maps its columns, previews, then imports."""

import pytest
from django.urls import reverse

from datasets.models import DatasetItem
from datasets.services import dataset_create
from tests.browser import admin_login, chromium_page, screenshot_path

pytestmark = pytest.mark.django_db(transaction=True)

CSV = "question,answer,lang\nWhat is 2+2?,4,en\nCapital of France?,Paris,en\n,empty,de\n"


def test_member_previews_and_imports_a_csv(live_server, make_user, project, tmp_path):
    dataset = dataset_create(project=project, name="qa", input_schema={"type": "string", "minLength": 1})
    make_user("ana", project=project)
    upload = tmp_path / "questions.csv"
    upload.write_text(CSV)
    path = reverse("admin:datasets_import")
    with chromium_page() as page:
        admin_login(page, live_server.url, path, username="ana", password="pw-ana")
        page.select_option("#id_dataset", str(dataset.pk))
        page.set_input_files("#id_file", str(upload))
        page.fill("#id_input", "question")
        page.fill("#id_expected_output", "answer")
        page.fill("#id_metadata", "lang")
        page.click("input[name=_preview]")
        page.wait_for_selector("#ds-preview")
        page.wait_for_load_state("load")
        assert page.locator("#ds-preview tbody tr").count() == 3
        assert page.locator("#ds-upload-name").inner_text() == "questions.csv"
        page.screenshot(path=screenshot_path("admin-dataset-import-preview"), full_page=True)
        page.check("#id_skip_invalid")
        page.click("input[name=_import]")
        page.wait_for_selector("#ds-result")
        page.wait_for_load_state("load")
        page.screenshot(path=screenshot_path("admin-dataset-import-done"), full_page=True)
    assert DatasetItem.objects.filter(dataset=dataset).count() == 2
