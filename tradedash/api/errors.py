"""JSON errors in the API's one format: {"error": {"code": ..., "message": ...}}."""

from __future__ import annotations

from flask import Response, jsonify
from werkzeug.exceptions import HTTPException


class ApiError(Exception):
    """Raised by endpoint code; turned into a JSON error response."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


def bad_request(message: str, code: str = "bad_parameter") -> ApiError:
    return ApiError(400, code, message)


def error_response(status: int, code: str, message: str) -> tuple[Response, int]:
    return jsonify({"error": {"code": code, "message": message}}), status


def handle_api_error(exc: ApiError) -> tuple[Response, int]:
    return error_response(exc.status, exc.code, exc.message)


def handle_http_error(exc: HTTPException) -> tuple[Response, int]:
    code = (exc.name or "error").lower().replace(" ", "_")
    return error_response(exc.code or 500, code, exc.description or exc.name)


def handle_unexpected(exc: Exception) -> tuple[Response, int]:
    # Never a stack trace to the client; the server log has it.
    from flask import current_app

    current_app.logger.exception("unhandled error in API", exc_info=exc)
    return error_response(500, "internal_error", "internal error; see the server log")
