"""The 1+17+X organisation network, users and the roles they hold per organisation."""

from datetime import timedelta

from django.contrib.auth.models import AbstractUser
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone

from .roles import ADMINISTRATOR_ROLES, ROLE_ORG_KINDS, Role


class OrgKind(models.TextChoices):
    BUREAU = "bureau", "市民政局"
    FOUNDATION = "foundation", "市帮困互助基金会"
    DISTRICT = "district", "区帮扶组织"
    STREET = "street", "街镇综合帮扶工作组"
    COMMITTEE = "committee", "居（村）委"
    DEPARTMENT = "department", "政府职能部门"
    PARTNER = "partner", "社会组织"


# Which kind may sit under which: the shape of the network (SPEC §1).
ALLOWED_PARENT_KINDS: dict[str, set[str | None]] = {
    OrgKind.BUREAU: {None},
    OrgKind.FOUNDATION: {OrgKind.BUREAU},
    OrgKind.DISTRICT: {OrgKind.FOUNDATION},
    OrgKind.STREET: {OrgKind.DISTRICT},
    OrgKind.COMMITTEE: {OrgKind.STREET},
    OrgKind.DEPARTMENT: {OrgKind.BUREAU, OrgKind.DISTRICT},
    OrgKind.PARTNER: {OrgKind.FOUNDATION, OrgKind.DISTRICT, OrgKind.STREET},
}


class Organisation(models.Model):
    code = models.CharField("代码", max_length=16, unique=True)
    name = models.CharField("名称", max_length=100)
    kind = models.CharField("类型", max_length=12, choices=OrgKind.choices, db_index=True)
    parent = models.ForeignKey(
        "self", verbose_name="上级", null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    active = models.BooleanField("启用", default=True)

    class Meta:
        verbose_name = "组织"
        verbose_name_plural = "组织"
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        parent_kind = self.parent.kind if self.parent_id else None
        if parent_kind not in ALLOWED_PARENT_KINDS.get(self.kind, set()):
            raise ValidationError({"parent": f"{self.get_kind_display()}不能设在该上级之下。"})

    @property
    def district(self) -> "Organisation | None":
        """The district-level organisation this one belongs to (itself for a district)."""
        org = self
        while org is not None and org.kind != OrgKind.DISTRICT:
            org = org.parent
        return org


class User(AbstractUser):
    """A member of staff. What they may see and do comes from their role assignments."""

    full_name = models.CharField("姓名", max_length=50, blank=True)

    class Meta:
        verbose_name = "用户"
        verbose_name_plural = "用户"

    def __str__(self) -> str:
        return self.full_name or self.username

    def get_short_name(self) -> str:
        # What the admin greets one with: the name, not the login.
        return str(self)


class RoleAssignment(models.Model):
    """A role held at an organisation. Granted and withdrawn only through
    `bangfu.orgs.services.grant_role` / `withdraw_role`, which check who may grant it and
    write the audit row; a plain save or delete is refused."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="role_assignments")
    org = models.ForeignKey(Organisation, verbose_name="组织", on_delete=models.PROTECT, related_name="+")
    role = models.CharField("角色", max_length=24, choices=Role.choices)

    class Meta:
        verbose_name = "角色分配"
        verbose_name_plural = "角色分配"
        constraints = [
            models.UniqueConstraint(fields=["user", "org", "role"], name="unique_role_per_org"),
            # The database's own guard for the three administrators: one such role, once,
            # per account (the service also refuses any other role beside it).
            models.UniqueConstraint(
                fields=["user"],
                condition=models.Q(role__in=sorted(r.value for r in ADMINISTRATOR_ROLES)),
                name="one_administrator_role_per_user",
                violation_error_message="系统管理员、安全管理员和审计员须由不同的人担任，每个账号只能担任其中一个。",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.org.name} · {self.get_role_display()}"

    def save(self, *args, granted: bool = False, **kwargs):
        if not granted:
            raise ValueError("角色只能由安全管理员通过授予角色的流程授予（grant_role）。")
        super().save(*args, **kwargs)

    def delete(self, *args, withdrawn: bool = False, **kwargs):
        if not withdrawn:
            raise ValueError("角色只能由安全管理员通过撤销角色的流程撤销（withdraw_role）。")
        return super().delete(*args, **kwargs)

    def clean(self) -> None:
        if self.org_id and self.org.kind not in ROLE_ORG_KINDS.get(self.role, set()):
            raise ValidationError(
                {"role": f"“{self.get_role_display()}”不能在{self.org.get_kind_display()}任职。"}
            )


# A token no one renews stops working after a year (SPEC §8: tokens expire).
TOKEN_LIFETIME = timedelta(days=365)


def token_expiry():
    return timezone.now() + TOKEN_LIFETIME


class ApiToken(models.Model):
    """A bearer token for the JSON API, acting as its user (a partner system's account).

    Only a SHA-256 of the token is kept; the token itself is shown once when issued.
    It works until it expires or is revoked, whichever comes first.
    """

    user = models.ForeignKey(User, verbose_name="用户", on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField("用途", max_length=100)
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    expires_at = models.DateTimeField("有效期至", default=token_expiry)
    revoked = models.BooleanField("已吊销", default=False)

    class Meta:
        verbose_name = "接口令牌"
        verbose_name_plural = "接口令牌"

    def __str__(self) -> str:
        return f"{self.user} · {self.name}"
