"""Comments made through the service, as the API and the admin make them."""

from feedback.services.comments import comment_create


def make_comment(project, object_id="t-1", *, object_type="TRACE", content="looks wrong", author=None):
    return comment_create(project=project, object_type=object_type, object_id=object_id, content=content, author=author)
