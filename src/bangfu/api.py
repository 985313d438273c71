"""The JSON API (/api/v1/), documented by its OpenAPI schema at /api/v1/openapi.json."""

from django.utils import timezone
from ninja import NinjaAPI
from ninja.security import HttpBearer, django_auth

from bangfu.orgs.models import ApiToken
from bangfu.orgs.services import token_hash


class BearerToken(HttpBearer):
    """Token authentication for partner systems (`Authorization: Bearer bf_…`)."""

    def authenticate(self, request, token):
        row = (
            ApiToken.objects.select_related("user")
            .filter(token_hash=token_hash(token), revoked=False, user__is_active=True)
            .first()
        )
        if row is None:
            return None
        request.user = row.user
        return row.user


# Either a browser session (with CSRF) or a bearer token.
auth = [BearerToken(), django_auth]

api = NinjaAPI(
    title="bangfu API",
    version="1",
    description='市民综合帮扶信息化平台接口。认证：浏览器会话或 Bearer 令牌。错误：{"error": {"code", "message", "field"}}。',
    urls_namespace="api",
    auth=auth,
)


@api.get("/health", auth=None, tags=["system"], summary="健康检查")
def health(request):
    return {"status": "ok", "time": timezone.now().isoformat()}


api.add_router("/policy/", "bangfu.policy.api.router")
