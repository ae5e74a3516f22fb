"""Deployment security: HTTPS settings from the environment, the admin login throttle, the admin's CSP."""

import json
import os
import re
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.contrib.staticfiles import finders

ROOT = Path(__file__).resolve().parent.parent
LOGIN = "/admin/login/"


def run_django(env: dict, *arguments: str) -> subprocess.CompletedProcess:
    """Run `python <arguments>` in the project with the production settings and `env` on top."""
    base = {key: value for key, value in os.environ.items() if not key.startswith(("SECURE_", "AISTRALE_HTTPS"))}
    environment = {
        **base,
        "DJANGO_SETTINGS_MODULE": "aistrale.settings",
        "DEBUG": "0",
        "SECRET_KEY": secrets.token_urlsafe(50),
        **env,
    }
    return subprocess.run(
        [sys.executable, *arguments], env=environment, cwd=ROOT, capture_output=True, text=True, timeout=120
    )


def settings_under(env: dict) -> dict:
    names = [
        "SESSION_COOKIE_SECURE",
        "CSRF_COOKIE_SECURE",
        "SECURE_SSL_REDIRECT",
        "SECURE_HSTS_SECONDS",
        "SECURE_HSTS_INCLUDE_SUBDOMAINS",
        "SECURE_HSTS_PRELOAD",
        "SECURE_PROXY_SSL_HEADER",
    ]
    code = (
        "import django, json; django.setup(); from django.conf import settings; "
        f"print(json.dumps({{name: getattr(settings, name) for name in {names!r}}}))"
    )
    finished = run_django(env, "-c", code)
    assert finished.returncode == 0, finished.stderr
    return json.loads(finished.stdout)


def test_check_deploy_is_clean_behind_https():
    finished = run_django({"AISTRALE_HTTPS": "1"}, "manage.py", "check", "--deploy", "--fail-level", "WARNING")
    assert finished.returncode == 0, finished.stdout + finished.stderr
    assert "no issues" in finished.stdout


def test_check_deploy_warns_without_https_settings():
    finished = run_django({}, "manage.py", "check", "--deploy", "--fail-level", "WARNING")
    assert finished.returncode != 0
    for warning in ("security.W004", "security.W008", "security.W012", "security.W016"):
        assert warning in finished.stderr


def test_the_switch_turns_every_knob_on_and_each_can_be_set_alone():
    assert settings_under({"AISTRALE_HTTPS": "1"}) == {
        "SESSION_COOKIE_SECURE": True,
        "CSRF_COOKIE_SECURE": True,
        "SECURE_SSL_REDIRECT": True,
        "SECURE_HSTS_SECONDS": 31536000,
        "SECURE_HSTS_INCLUDE_SUBDOMAINS": True,
        "SECURE_HSTS_PRELOAD": True,
        "SECURE_PROXY_SSL_HEADER": ["HTTP_X_FORWARDED_PROTO", "https"],
    }
    tuned = settings_under(
        {
            "AISTRALE_HTTPS": "1",
            "SECURE_SSL_REDIRECT": "0",
            "SECURE_HSTS_SECONDS": "3600",
            "SECURE_HSTS_PRELOAD": "0",
            "SECURE_PROXY_SSL_HEADER": "X-Forwarded-Scheme: https",
        }
    )
    assert tuned["SECURE_SSL_REDIRECT"] is False and tuned["SECURE_HSTS_PRELOAD"] is False
    assert tuned["SECURE_HSTS_SECONDS"] == 3600 and tuned["SESSION_COOKIE_SECURE"] is True
    assert tuned["SECURE_PROXY_SSL_HEADER"] == ["HTTP_X_FORWARDED_SCHEME", "https"]
    assert settings_under({})["SECURE_HSTS_SECONDS"] == 0


def test_a_malformed_proxy_header_is_refused_at_start():
    finished = run_django({"SECURE_PROXY_SSL_HEADER": "X-Forwarded-Proto"}, "-c", "import django; django.setup()")
    assert finished.returncode != 0 and "SECURE_PROXY_SSL_HEADER must read" in finished.stderr


@pytest.mark.django_db
def test_the_nth_failed_admin_login_is_refused(client, make_user, settings):
    settings.AXES_FAILURE_LIMIT = 3
    make_user("alice")
    make_user("bob")
    for _attempt in range(2):
        response = client.post(LOGIN, {"username": "alice", "password": "wrong"})
        assert response.status_code == 200 and "correct username and password" in response.content.decode()
    assert client.post(LOGIN, {"username": "alice", "password": "wrong"}).status_code == 429
    assert client.post(LOGIN, {"username": "alice", "password": "pw-alice"}).status_code == 429
    assert client.post(LOGIN, {"username": "bob", "password": "pw-bob"}).status_code == 302


@pytest.mark.django_db
def test_a_successful_login_resets_the_count(client, make_user, settings):
    settings.AXES_FAILURE_LIMIT = 3
    make_user("alice")
    for _attempt in range(2):
        client.post(LOGIN, {"username": "alice", "password": "wrong"})
    assert client.post(LOGIN, {"username": "alice", "password": "pw-alice"}).status_code == 302
    client.logout()
    for _attempt in range(2):
        assert client.post(LOGIN, {"username": "alice", "password": "wrong"}).status_code == 200


@pytest.mark.django_db
def test_admin_pages_carry_a_csp_their_own_assets_satisfy(client, make_user):
    client.force_login(make_user("root", superuser=True))
    response = client.get("/admin/prompts/prompt/")
    assert response.status_code == 200
    policy = dict(part.strip().split(" ", 1) for part in response["Content-Security-Policy"].split(";"))
    assert policy["script-src"] == "'self'" and policy["style-src"] == "'self'"
    assert policy["frame-ancestors"] == "'none'" and policy["object-src"] == "'none'"
    html = response.content.decode()
    scripts = re.findall(r"<script\b([^>]*)>(.*?)</script>", html, flags=re.S)
    assert scripts and all('src="/static/' in attributes and not body.strip() for attributes, body in scripts)
    stylesheets = re.findall(r'<link rel="stylesheet"[^>]*href="([^"]+)"', html)
    assert stylesheets and all(href.startswith("/static/") for href in stylesheets)
    assert "<style" not in html and not re.search(r"\son[a-z]+=", html)
    for asset in [*stylesheets, *(re.search(r'src="([^"]+)"', a).group(1) for a, _ in scripts)]:
        assert finders.find(asset.removeprefix("/static/").split("?")[0]), asset


@pytest.mark.django_db
def test_api_responses_carry_no_csp(client):
    response = client.get("/api/public/health")
    assert "Content-Security-Policy" not in response
