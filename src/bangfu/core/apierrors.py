"""The API's one error shape, `{"error": {"code", "message", "field"}}` (SPEC §6), for the
refusals that come before an endpoint runs: authentication, CSRF, an oversized body."""

import orjson
from django.conf import settings
from django.http import HttpResponse
from ninja import Schema

API_PREFIX = "/api/"


def error_object(code: str, message: str, field: str | None = None) -> dict:
    return {"error": {"code": code, "message": message, "field": field}}


def error_response(
    status: int, code: str, message: str, *, field: str | None = None, headers: dict | None = None
) -> HttpResponse:
    return HttpResponse(
        orjson.dumps(error_object(code, message, field)),
        status=status,
        content_type="application/json; charset=utf-8",
        headers=headers,
    )


def body_limit() -> int | None:
    """The largest request body the platform reads, in bytes (None: no limit)."""
    return settings.DATA_UPLOAD_MAX_MEMORY_SIZE


def body_limit_text() -> str:
    limit = body_limit()
    if limit is None:
        return "不限"
    return f"{limit // (1024 * 1024)} MB" if limit % (1024 * 1024) == 0 else f"{limit} 字节"


class ErrorDetail(Schema):
    code: str
    message: str
    field: str | None


class ErrorObject(Schema):
    error: ErrorDetail
