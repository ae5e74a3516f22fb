"""Webhook endpoints and the delivery log in the admin."""

import re

import pytest

from aistrale.tenancy.models import AuditEvent
from prompts.models import DeliveryStatus, WebhookDelivery, WebhookEndpoint
from prompts.webhooks import webhook_deliveries_create, webhook_endpoint_create
from tests.query_counts import assert_queries_constant, rows_of

pytestmark = pytest.mark.django_db

ENDPOINTS = "/admin/prompts/webhookendpoint/"
DELIVERIES = "/admin/prompts/webhookdelivery/"
ALL_EVENTS = ["prompt.version.created", "prompt.label.moved", "prompt.deleted"]


@pytest.fixture
def endpoint(project):
    return webhook_endpoint_create(project=project, url="https://hooks.example.com/ours", events=ALL_EVENTS)[0]


def test_owner_adds_an_endpoint_and_sees_its_secret_once(client, owner, project):
    client.force_login(owner)
    assert client.get(f"{ENDPOINTS}add/").status_code == 200
    response = client.post(
        f"{ENDPOINTS}add/",
        {
            "project": project.pk,
            "url": "https://hooks.example.com/prompts",
            "description": "deploy bot",
            "events": ["prompt.label.moved", "prompt.version.created"],
            "active": "on",
        },
        follow=True,
    )
    assert response.status_code == 200
    secret = re.search(r"(whsec_[A-Za-z0-9_-]{40,})", response.content.decode()).group(1)
    endpoint = WebhookEndpoint.objects.get(url="https://hooks.example.com/prompts")
    assert endpoint.secret == secret
    assert endpoint.events == ["prompt.label.moved", "prompt.version.created"]
    change_page = client.get(f"{ENDPOINTS}{endpoint.pk}/change/").content.decode()
    assert secret not in change_page
    assert f"/admin/prompts/webhookdelivery/?endpoint__id__exact={endpoint.pk}" in change_page
    assert AuditEvent.objects.get(action="webhook_endpoint.created").actor == owner


def test_a_secret_can_be_written_but_never_read_back(client, owner, project, endpoint):
    client.force_login(owner)
    form = {"project": project.pk, "url": "https://hooks.example.com/own", "events": ["prompt.deleted"]}
    response = client.post(f"{ENDPOINTS}add/", {**form, "secret": "short"})
    assert "at least 16 characters" in response.context["adminform"].form.errors["secret"][0]
    response = client.post(f"{ENDPOINTS}add/", {**form, "secret": "my-own-receiver-secret"}, follow=True)
    assert "my-own-receiver-secret" in response.content.decode()
    assert "will be refused" not in response.content.decode()
    assert WebhookEndpoint.objects.get(url=form["url"]).secret == "my-own-receiver-secret"

    change_url = f"{ENDPOINTS}{endpoint.pk}/change/"
    page = client.get(change_url).content.decode()
    assert endpoint.secret not in page and 'type="password"' in page
    client.post(change_url, {"url": endpoint.url, "events": ALL_EVENTS, "active": "on", "secret": "x" * 20})
    endpoint.refresh_from_db()
    assert endpoint.secret == "x" * 20
    assert AuditEvent.objects.filter(action="webhook_endpoint.secret_rotated", object_id=endpoint.pk).exists()


def test_saving_a_private_network_url_warns_that_deliveries_will_be_refused(client, owner, project):
    client.force_login(owner)
    form = {"project": project.pk, "url": "http://10.0.0.8/hook", "events": ["prompt.deleted"]}
    page = client.post(f"{ENDPOINTS}add/", form, follow=True).content.decode()
    assert "Deliveries to this URL will be refused: 10.0.0.8 resolves to the non-public address 10.0.0.8" in page


def test_endpoint_form_names_bad_fields(client, owner, project):
    client.force_login(owner)
    response = client.post(
        f"{ENDPOINTS}add/", {"project": project.pk, "url": "ftp://x.example.com", "events": ["prompt.deleted"]}
    )
    assert "absolute http(s) URL" in response.context["adminform"].form.errors["url"][0]
    response = client.post(f"{ENDPOINTS}add/", {"project": project.pk, "url": "https://x.example.com", "events": []})
    assert response.context["adminform"].form.errors["events"]
    assert not WebhookEndpoint.objects.exists()


def test_owner_edits_and_rotates_the_secret(client, owner, endpoint):
    client.force_login(owner)
    response = client.post(
        f"{ENDPOINTS}{endpoint.pk}/change/",
        {"url": "https://hooks.example.com/moved", "description": "", "events": ["prompt.deleted"]},
    )
    assert response.status_code == 302
    endpoint.refresh_from_db()
    assert (endpoint.url, endpoint.events, endpoint.active) == (
        "https://hooks.example.com/moved",
        ["prompt.deleted"],
        False,
    )
    old_secret = endpoint.secret
    response = client.post(ENDPOINTS, {"action": "rotate_secrets", "_selected_action": [endpoint.pk]}, follow=True)
    endpoint.refresh_from_db()
    assert endpoint.secret != old_secret and endpoint.secret in response.content.decode()
    assert AuditEvent.objects.filter(action="webhook_endpoint.updated", actor=owner).exists()


def test_members_see_endpoints_but_only_owners_and_admins_change_them(client, member, endpoint):
    client.force_login(member)
    assert client.get(ENDPOINTS).status_code == 200
    assert client.get(f"{ENDPOINTS}add/").status_code == 403
    client.post(f"{ENDPOINTS}{endpoint.pk}/change/", {"url": "https://evil.example.com", "events": ALL_EVENTS})
    endpoint.refresh_from_db()
    assert endpoint.url == "https://hooks.example.com/ours"
    assert client.post(f"{ENDPOINTS}{endpoint.pk}/delete/", {"post": "yes"}).status_code == 403


def test_owner_deletes_an_endpoint_through_the_service(client, owner, endpoint):
    client.force_login(owner)
    assert client.post(f"{ENDPOINTS}{endpoint.pk}/delete/", {"post": "yes"}).status_code == 302
    assert not WebhookEndpoint.objects.exists()
    assert AuditEvent.objects.get(action="webhook_endpoint.deleted").before["url"] == "https://hooks.example.com/ours"


def test_delivery_log_shows_the_projects_deliveries_only(client, member, project, other_project, endpoint):
    theirs, _ = webhook_endpoint_create(project=other_project, url="https://globex.example.com/x", events=ALL_EVENTS)
    [ours] = webhook_deliveries_create(project=project, event="prompt.deleted", payload={"name": "greeting"})
    [other] = webhook_deliveries_create(project=other_project, event="prompt.deleted", payload={"name": "theirs"})
    client.force_login(member)
    page = client.get(DELIVERIES).content.decode()
    assert "hooks.example.com/ours" in page and "globex.example.com" not in page
    assert client.get(f"{DELIVERIES}{ours.pk}/change/").status_code == 200
    assert client.get(f"{DELIVERIES}{other.pk}/change/").status_code == 302
    assert "globex" not in client.get(ENDPOINTS).content.decode()
    assert client.get(f"{ENDPOINTS}{theirs.pk}/change/").status_code == 302


def test_deliveries_are_read_only_and_owners_redeliver(
    client, owner, member, project, endpoint, django_capture_on_commit_callbacks
):
    [delivery] = webhook_deliveries_create(project=project, event="prompt.deleted", payload={"name": "greeting"})
    WebhookDelivery.objects.filter(pk=delivery.pk).update(status=DeliveryStatus.FAILED, attempts=8)
    client.force_login(member)
    page = client.get(f"{DELIVERIES}{delivery.pk}/change/").content.decode()
    assert "greeting" in page and 'name="_save"' not in page
    assert "redeliver" not in client.get(DELIVERIES).content.decode()
    client.post(DELIVERIES, {"action": "redeliver", "_selected_action": [delivery.pk]})
    assert WebhookDelivery.objects.count() == 1

    client.force_login(owner)
    with django_capture_on_commit_callbacks() as callbacks:
        response = client.post(DELIVERIES, {"action": "redeliver", "_selected_action": [delivery.pk]}, follow=True)
    assert "1 deliveries queued again." in response.content.decode()
    again = WebhookDelivery.objects.exclude(pk=delivery.pk).get()
    assert (again.redelivery_of_id, again.status, again.payload) == (delivery.pk, "pending", {"name": "greeting"})
    assert len(callbacks) == 1


def test_delivery_log_query_count_does_not_grow(client, owner, project):
    client.force_login(owner)
    for index in range(3):
        webhook_endpoint_create(project=project, url=f"https://hooks.example.com/{index}", events=ALL_EVENTS)

    def deliver(index):
        webhook_deliveries_create(project=project, event="prompt.label.moved", payload={"n": index})

    assert_queries_constant(lambda: client.get(DELIVERIES), rows_of(deliver), more=15)
    assert client.get(DELIVERIES).context["cl"].result_count == 48


def test_endpoint_list_query_count_does_not_grow(client, owner, project):
    client.force_login(owner)

    def create(index):
        webhook_endpoint_create(project=project, url=f"https://hooks.example.com/{index}", events=ALL_EVENTS)

    assert_queries_constant(lambda: client.get(ENDPOINTS), rows_of(create))
    assert client.get(ENDPOINTS).context["cl"].result_count == 21


def test_a_service_refusal_on_save_rolls_the_change_back_and_shows_on_its_field(client, owner, endpoint):
    client.force_login(owner)
    response = client.post(
        f"{ENDPOINTS}{endpoint.pk}/change/",
        {"url": "https://hooks.example.com/moved", "events": ALL_EVENTS, "active": "on", "secret": "too-short"},
    )
    assert response.status_code == 200
    form = response.context["adminform"].form
    assert "at least 16 characters" in form.errors["secret"][0]
    assert form["url"].value() == "https://hooks.example.com/moved"
    endpoint.refresh_from_db()
    assert endpoint.url == "https://hooks.example.com/ours"
    assert not AuditEvent.objects.filter(action="webhook_endpoint.updated").exists()
