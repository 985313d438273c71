"""The pages for 400, 403, 404 and 500, and for a failed CSRF check: in Chinese, in the platform's
layout, and saying nothing of what went wrong inside (no exception text, no settings, no path).

Under /api/ the same errors are the API's error object, as every other API refusal is. Django
calls these only with DEBUG off (`urls.handler400` …, `settings.CSRF_FAILURE_VIEW`).
"""

import logging

from django.http import HttpResponse
from django.template import loader

from bangfu.core.apierrors import API_PREFIX, error_response

logger = logging.getLogger(__name__)

# What a page says when even its template cannot be rendered: the last resort of every handler.
_BARE = (
    '<!doctype html><html lang="zh-Hans"><head><meta charset="utf-8"><title>{title} · 市民综合帮扶</title>'
    '</head><body><h1>{title}</h1><p>{message}</p><p><a href="/">回到工作台</a></p></body></html>'
)

_API = {
    400: ("bad_request", "请求无效，无法处理。"),
    403: ("forbidden", "没有权限进行此操作。"),
    404: ("not_found", "接口或对象不存在。"),
    500: ("server_error", "服务器处理请求时出错，请稍后重试。"),
}


def _page(request, status: int, template: str, *, with_request: bool = True) -> HttpResponse:
    if request is not None and request.path.startswith(API_PREFIX):
        return error_response(status, *_API[status])
    try:
        # A page in the layout, with the user's navigation; the 500 page without the request,
        # whose user or session may be what failed.
        body = loader.get_template(template).render(request=request if with_request else None)
    except Exception:
        logger.exception("error page %s could not be rendered", template)
        body = _BARE.format(title="出错了", message=_API[status][1])
    return HttpResponse(body, status=status)


def bad_request(request, exception=None):
    return _page(request, 400, "400.html")


def permission_denied(request, exception=None):
    return _page(request, 403, "403.html")


def page_not_found(request, exception=None):
    return _page(request, 404, "404.html")


def server_error(request=None):
    return _page(request, 500, "500.html", with_request=False)


def csrf_failure(request, reason=""):
    if request.path.startswith(API_PREFIX):
        return error_response(403, "csrf_failed", "CSRF 校验失败：请刷新页面后重新提交。")
    return _page(request, 403, "403_csrf.html")
