"""The one error type of domain rules: services raise it, the API and the admin show it."""


class DomainError(Exception):
    """A broken rule, with the Python name of the field it concerns (None: the whole input).

    `status` is the HTTP status the API answers with: 400 for invalid input, 404 for a missing object,
    403 for a forbidden change, 409 for a conflict with the current state.
    """

    def __init__(self, message: str, *, field: str | None = None, status: int = 400):
        super().__init__(message)
        self.message = message
        self.field = field
        self.status = status
