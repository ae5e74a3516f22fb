"""A deployment bootstrapped from Langfuse's LANGFUSE_INIT_* variables is what the real SDK sees."""

import pytest
from django.core.management import call_command

pytestmark = pytest.mark.django_db(transaction=True)

PUBLIC_KEY, SECRET_KEY = "pk-lf-1234567890", "sk-lf-1234567890"


def test_the_sdk_reports_the_project_id_langfuse_init_chose(monkeypatch, langfuse_for):
    for name, value in {
        "LANGFUSE_INIT_ORG_ID": "acme",
        "LANGFUSE_INIT_ORG_NAME": "Acme",
        "LANGFUSE_INIT_PROJECT_ID": "acme-prod",
        "LANGFUSE_INIT_PROJECT_NAME": "Production",
        "LANGFUSE_INIT_PROJECT_PUBLIC_KEY": PUBLIC_KEY,
        "LANGFUSE_INIT_PROJECT_SECRET_KEY": SECRET_KEY,
        "LANGFUSE_INIT_USER_EMAIL": "ops@acme.test",
        "LANGFUSE_INIT_USER_PASSWORD": "init-password-1",
    }.items():
        monkeypatch.setenv(name, value)
    call_command("bootstrap")
    projects = langfuse_for(PUBLIC_KEY, SECRET_KEY).api.projects.get()
    assert [(project.id, project.name) for project in projects.data] == [("acme-prod", "Production")]
