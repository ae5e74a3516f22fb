"""One-line cross-project checks for every API module."""


def assert_not_found_for_other_project(other_client, method: str, path: str, data=None) -> None:
    """Another project's key gets 404 on this object URL, as if it did not exist."""
    response = getattr(other_client, method)(path, data, format="json")
    assert response.status_code == 404, (method, path, response.status_code, response.content[:300])
    assert response.json()["error"] == "LangfuseNotFoundError"


def assert_absent_from_other_project_list(other_client, path: str, object_id: str, params=None) -> None:
    """Another project's key lists this collection without the object."""
    response = other_client.get(path, params or {})
    assert response.status_code == 200, (path, response.status_code, response.content[:300])
    ids = [row.get("id") for row in response.json()["data"]]
    assert object_id not in ids, (path, object_id)
