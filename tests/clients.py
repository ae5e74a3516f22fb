"""API clients authenticated with a project's key pair, for every app's tests."""

import base64

from rest_framework.test import APIClient


def basic_auth(public_key: str, secret_key: str = "") -> str:
    return "Basic " + base64.b64encode(f"{public_key}:{secret_key}".encode()).decode()


def make_client(public_key: str, secret_key: str = "") -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=basic_auth(public_key, secret_key))
    return client
