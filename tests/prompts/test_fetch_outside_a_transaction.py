"""The warm fetch outside a transaction, as a web worker runs it: its one token read survives a dropped
connection, and the next fetch still sees a label move."""

import psycopg
import pytest
from django.db import connection

from aistrale.generation_tokens import tokens_shared
from aistrale.tenancy.models import Role
from prompts.services import prompt_labels_set

pytestmark = pytest.mark.django_db(transaction=True)

GREETING = "/api/public/v2/prompts/support%2Fgreeting"


def test_a_label_move_is_seen_by_the_next_warm_fetch(api_client, greeting):
    assert api_client.get(GREETING).json()["version"] == 1
    assert api_client.get(GREETING).json()["version"] == 1
    prompt_labels_set(version=greeting.versions.get(version=2), labels=["production"], actor_role=Role.MEMBER)
    assert api_client.get(GREETING).json()["version"] == 2


@pytest.mark.skipif(connection.vendor != "postgresql" or tokens_shared(), reason="tokens read from PostgreSQL")
def test_a_connection_the_server_dropped_is_replaced_by_the_warm_fetch(api_client, greeting):
    assert api_client.get(GREETING).json()["version"] == 1
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        (pid,) = cursor.fetchone()
    params = connection.get_connection_params()
    with psycopg.connect(**{**params, "autocommit": True}) as other:
        other.execute("SELECT pg_terminate_backend(%s)", [pid])
    response = api_client.get(GREETING)
    assert response.status_code == 200
    assert response.json()["version"] == 1
