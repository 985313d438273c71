"""The JSON API (/api/v1/), documented by its OpenAPI schema at /api/v1/openapi.json.

Who may call it: a partner system with a bearer token, or a signed-in browser session.
A call that is neither is 401 with the error object and a `WWW-Authenticate` header; a
present but unknown, revoked or expired token is 401 too, whatever session comes with it.
CSRF is checked only on calls that a session authenticates: a forged cross-site request
can carry a victim's session cookie, never an `Authorization` header, and without a
session there is nothing to forge.
"""

from functools import wraps

from django.contrib.auth.decorators import login_required
from django.core.exceptions import RequestDataTooBig
from django.http import Http404
from django.utils import timezone
from ninja import NinjaAPI, Swagger
from ninja.errors import AuthenticationError, HttpError, ValidationError
from ninja.openapi.views import openapi_view
from ninja.security import HttpBearer, SessionAuth
from ninja.utils import check_csrf

from bangfu.core.apierrors import body_limit_text, error_response
from bangfu.core.refusal import Refused
from bangfu.orgs.models import ApiToken
from bangfu.orgs.services import token_hash

REALM = 'Bearer realm="bangfu"'


class TokenRefused(Refused):
    """An `Authorization` header that does not authenticate: answered 401 straight away,
    with `description` (English, as RFC 6750 has it) in the `WWW-Authenticate` header."""

    def __init__(self, code: str, message: str, description: str):
        super().__init__(message, code=code, status=401)
        self.description = description


class CsrfRefused(Exception):
    """A session-authenticated call without a valid CSRF token."""


class BearerToken(HttpBearer):
    """Token authentication for partner systems (`Authorization: Bearer bf_…`)."""

    def __call__(self, request):
        header = request.headers.get("Authorization")
        if header is None:
            return None  # no token: a browser session may still authenticate the call
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise TokenRefused(
                "token_invalid", "Authorization 请求头须为“Bearer 令牌”的形式。", "malformed credentials"
            )
        return self.authenticate(request, token.strip())

    def authenticate(self, request, token):
        row = ApiToken.objects.select_related("user").filter(token_hash=token_hash(token)).first()
        if row is None:
            raise TokenRefused(
                "token_invalid", "令牌无效：请核对令牌，或向系统管理员申请新令牌。", "unknown token"
            )
        if row.revoked:
            raise TokenRefused(
                "token_revoked", "令牌已被吊销，不能再使用；请向系统管理员申请新令牌。", "token revoked"
            )
        if row.expires_at <= timezone.now():
            day = timezone.localtime(row.expires_at)
            raise TokenRefused(
                "token_expired",
                f"令牌已于 {day.year}年{day.month}月{day.day}日 {day:%H:%M} 过期；请向系统管理员申请新令牌。",
                "token expired",
            )
        if not row.user.is_active:
            raise TokenRefused("token_invalid", "令牌所属的账户已停用。", "account disabled")
        request.user = row.user
        return row.user


class BrowserSession(SessionAuth):
    """A signed-in browser session; its calls carry the CSRF token (`X-CSRFToken`), as the
    platform's own forms do. The docs page adds it to the calls it tries out."""

    def __call__(self, request):
        if not request.user.is_authenticated:
            return None
        if not getattr(request, "_ninja_csrf_exempt", False) and check_csrf(request) is not None:
            raise CsrfRefused()
        return request.user


auth = [BearerToken(), BrowserSession()]


def _signed_in(view):
    """The docs page sends the anonymous to the login page; the schema it reads answers
    them 401, and reads a partner's token as well as a session."""
    if getattr(view, "func", None) is openapi_view:
        return login_required(view)

    @wraps(view)
    def schema(request, *args, **kwargs):
        try:
            user = next((u for u in (a(request) for a in auth) if u), None)
        except TokenRefused as e:
            return _token_refused(request, e)
        if user is None:
            return _not_authenticated(request, None)
        return view(request, *args, **kwargs)

    return schema


class BangfuAPI(NinjaAPI):
    def get_openapi_schema(self, **kwargs):
        from bangfu.policy.api import document_districts

        schema = super().get_openapi_schema(**kwargs)
        document_districts(schema)
        return schema


api = BangfuAPI(
    title="bangfu API",
    version="1",
    description=(
        "市民综合帮扶信息化平台接口。\n\n"
        "认证：Bearer 令牌（`Authorization: Bearer bf_…`，由系统管理员签发，到期或吊销后失效），"
        "或已登录的浏览器会话（须带 `X-CSRFToken` 请求头）。未认证、令牌无效、已过期或已吊销：401。\n\n"
        f"请求体上限：{body_limit_text()}（按 Content-Length 判断；分块传输的请求按实际读取的字节判断），"
        "超过返回 413（payload_too_large）。\n\n"
        '错误一律为 `{"error": {"code", "message", "field"}}`。'
    ),
    urls_namespace="api",
    auth=auth,
    # The assets of the docs page are served by the application (ninja's static files): no CDN.
    docs=Swagger(settings={"validatorUrl": None}),  # no call to swagger.io's validator either
    docs_decorator=_signed_in,
)


@api.exception_handler(Refused)
def _refused(request, exc: Refused):
    """A service's refusal, raised by any endpoint: its code, message and field, with its status."""
    return error_response(exc.status, exc.code, exc.message, field=exc.field)


@api.exception_handler(TokenRefused)
def _token_refused(request, exc: TokenRefused):
    header = f'{REALM}, error="invalid_token", error_description="{exc.description}"'
    return error_response(exc.status, exc.code, exc.message, headers={"WWW-Authenticate": header})


@api.exception_handler(AuthenticationError)
def _not_authenticated(request, exc):
    return error_response(
        401,
        "not_authenticated",
        "未认证：请在 Authorization 请求头中提供 Bearer 令牌，或先登录。",
        headers={"WWW-Authenticate": REALM},
    )


@api.exception_handler(CsrfRefused)
def _csrf_refused(request, exc):
    return error_response(
        403,
        "csrf_failed",
        "CSRF 校验失败：以登录会话调用接口时须带 X-CSRFToken 请求头（取自 csrftoken Cookie）。",
    )


@api.exception_handler(RequestDataTooBig)
def _too_large(request, exc):
    return error_response(413, "payload_too_large", f"请求体超过 {body_limit_text()} 的上限，未予处理。")


@api.exception_handler(Http404)
def _not_found(request, exc):
    return error_response(404, "not_found", "接口或对象不存在。")


@api.exception_handler(HttpError)
def _http_error(request, exc: HttpError):
    return error_response(exc.status_code, "http_error", str(exc))


@api.exception_handler(ValidationError)
def _invalid(request, exc: ValidationError):
    first = exc.errors[0] if exc.errors else {}
    field = ".".join(str(part) for part in first.get("loc", ())[1:]) or None
    return error_response(400, "invalid_input", f"请求格式无效：{first.get('msg', '')}", field=field)


@api.get("/health", auth=None, tags=["system"], summary="健康检查")
def health(request):
    return {"status": "ok", "time": timezone.now().isoformat()}


api.add_router("/policy/", "bangfu.policy.api.router")
