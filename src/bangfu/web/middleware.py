"""Request bodies over the stated limit are refused before anything reads them.

The limit is DATA_UPLOAD_MAX_MEMORY_SIZE, taken for the whole body (uploaded files
included, whose own limit is lower). Django alone refuses an oversized body only when a
view reads it, as a 400 (or, inside the API, a 500); here it is a 413 for every page: the
API's error object under /api/, a page in Chinese elsewhere.

Content-Length decides when it is sent: a body longer than it declares is cut at the
declared length by the WSGI stream, so it cannot slip past. A chunked body has no
Content-Length: it is read here up to one byte past the limit when the server marks its
input as terminated (`wsgi.input_terminated`, as gunicorn does), otherwise Django could
only see it as empty, so it is refused with 411 rather than silently lost.
"""

from io import BytesIO

from django.core.handlers.wsgi import LimitedStream
from django.shortcuts import render

from bangfu.core.apierrors import API_PREFIX, body_limit, body_limit_text, error_response


def _refuse(request, status: int, code: str, title: str, message: str):
    if request.path.startswith(API_PREFIX):
        return error_response(status, code, message)
    return render(request, "web/refused.html", {"title": title, "message": message}, status=status)


def _too_large(request):
    return _refuse(
        request,
        413,
        "payload_too_large",
        "提交的内容过大",
        f"请求体超过 {body_limit_text()} 的上限，未予处理。请减小提交的内容（如压缩或分批上传文件）后重试。",
    )


class RequestSizeLimit:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        refusal = self._check(request)
        return refusal if refusal is not None else self.get_response(request)

    def _check(self, request):
        limit = body_limit()
        declared = request.META.get("CONTENT_LENGTH", "")
        if declared:
            if not declared.isdigit():
                return _refuse(
                    request, 400, "bad_request", "请求无效", "请求头 Content-Length 不是有效的字节数。"
                )
            if limit is not None and int(declared) > limit:
                return _too_large(request)
            return None
        if "chunked" not in request.META.get("HTTP_TRANSFER_ENCODING", "").lower():
            return None
        if not request.META.get("wsgi.input_terminated"):
            return _refuse(
                request,
                411,
                "length_required",
                "请求无效",
                "请求须带 Content-Length 请求头（本服务器不接受分块传输的请求体）。",
            )
        stream = request.META["wsgi.input"]
        body = stream.read() if limit is None else stream.read(limit + 1)
        if limit is not None and len(body) > limit:
            return _too_large(request)
        # Hand Django the body it would otherwise have read as empty (no Content-Length).
        request.META["CONTENT_LENGTH"] = str(len(body))
        request._stream = LimitedStream(BytesIO(body), len(body))
        return None
