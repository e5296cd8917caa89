"""Errors a use case raises; the web and socket layers map them to responses."""


class ServiceError(Exception):
    """Base class: the message is safe to show to the person who asked."""

    status = 400
    code = "bad_request"  # for the socket protocol's error events

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class InvalidInput(ServiceError):
    status = 400


class NotAuthenticated(ServiceError):
    status = 401
    code = "not_authenticated"


class PermissionDenied(ServiceError):
    status = 403
    code = "forbidden"


class NotFound(ServiceError):
    status = 404
    code = "not_found"


class Conflict(ServiceError):
    status = 409
    code = "conflict"
