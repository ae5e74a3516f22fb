import io

import pytest
from cryptography.fernet import Fernet
from django.core.exceptions import FieldError, ImproperlyConfigured
from django.core.management import call_command
from django.db import connection

from aistrale import crypto
from prompts.models import WebhookEndpoint
from prompts.webhooks import webhook_endpoint_create

KEY_A = Fernet.generate_key().decode()
KEY_B = Fernet.generate_key().decode()


def stored_secret(endpoint) -> str:
    table = WebhookEndpoint._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT secret FROM {table} WHERE id = %s", [endpoint.pk])
        return cursor.fetchone()[0]


def test_round_trip_with_randomised_tokens(settings):
    settings.AISTRALE_ENCRYPTION_KEYS = [KEY_A]
    first, second = crypto.encrypt("s3cret"), crypto.encrypt("s3cret")
    assert first != second
    assert "s3cret" not in first
    assert crypto.decrypt(first) == crypto.decrypt(second) == "s3cret"


def test_key_derived_from_secret_key_when_none_configured(settings):
    settings.AISTRALE_ENCRYPTION_KEYS = []
    token = crypto.encrypt("value")
    assert Fernet(crypto.derive_key(settings.SECRET_KEY)).decrypt(token.encode()) == b"value"
    settings.SECRET_KEY = "another-secret-key"
    with pytest.raises(crypto.DecryptionError, match="AISTRALE_ENCRYPTION_KEYS"):
        crypto.decrypt(token)


def test_every_configured_key_decrypts_and_the_first_encrypts(settings):
    settings.AISTRALE_ENCRYPTION_KEYS = [KEY_A]
    old_token = crypto.encrypt("value")
    settings.AISTRALE_ENCRYPTION_KEYS = [KEY_B, KEY_A]
    assert crypto.decrypt(old_token) == "value"
    assert Fernet(KEY_B.encode()).decrypt(crypto.encrypt("new").encode()) == b"new"
    rotated = crypto.rotate(old_token)
    settings.AISTRALE_ENCRYPTION_KEYS = [KEY_B]
    assert crypto.decrypt(rotated) == "value"
    with pytest.raises(crypto.DecryptionError):
        crypto.decrypt(old_token)


def test_a_malformed_key_is_reported_by_position(settings):
    settings.AISTRALE_ENCRYPTION_KEYS = [KEY_A, "not-a-key"]
    with pytest.raises(ImproperlyConfigured, match="entry 2 is not a Fernet key"):
        crypto.encrypt("value")


@pytest.mark.django_db
def test_encrypted_field_stores_a_token_and_reads_plain_text(project, settings):
    settings.AISTRALE_ENCRYPTION_KEYS = [KEY_A]
    endpoint, secret = webhook_endpoint_create(
        project=project, url="https://example.com/hook", events=["prompt.deleted"]
    )
    raw = stored_secret(endpoint)
    assert secret not in raw
    assert Fernet(KEY_A.encode()).decrypt(raw.encode()).decode() == secret
    assert WebhookEndpoint.objects.get(pk=endpoint.pk).secret == secret
    assert WebhookEndpoint.objects.filter(secret__isnull=False).count() == 1
    with pytest.raises(FieldError):
        WebhookEndpoint.objects.filter(secret=secret).count()


@pytest.mark.django_db
def test_rotate_command_re_encrypts_with_the_new_key(project, other_project, settings):
    settings.AISTRALE_ENCRYPTION_KEYS = [KEY_A]
    endpoints = [
        webhook_endpoint_create(project=owner, url="https://example.com/hook", events=["prompt.deleted"])
        for owner in (project, other_project)
    ]
    settings.AISTRALE_ENCRYPTION_KEYS = [KEY_B, KEY_A]
    out = io.StringIO()
    call_command("rotate_encryption_keys", stdout=out)
    assert "prompts.WebhookEndpoint.secret: 2 re-encrypted" in out.getvalue()
    settings.AISTRALE_ENCRYPTION_KEYS = [KEY_B]
    for endpoint, secret in endpoints:
        assert Fernet(KEY_B.encode()).decrypt(stored_secret(endpoint).encode()).decode() == secret
        assert WebhookEndpoint.objects.get(pk=endpoint.pk).secret == secret
