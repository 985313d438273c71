# The security admin role (SPEC §1) and the database's guard on the three administrators.

from django.db import migrations, models


def no_superusers(apps, schema_editor):
    # What an account may do comes from its roles alone (SPEC §1): a superuser flag left
    # from before would pass Django's own permission checks, so none is kept.
    apps.get_model("orgs", "User").objects.filter(is_superuser=True).update(is_superuser=False)


class Migration(migrations.Migration):
    dependencies = [
        ("orgs", "0003_apitoken_expires_at"),
    ]

    operations = [
        migrations.AlterField(
            model_name="roleassignment",
            name="role",
            field=models.CharField(
                choices=[
                    ("intake", "受理员"),
                    ("assessor", "救助顾问/评估员"),
                    ("panel_member", "评审小组成员"),
                    ("street_approver", "工作组负责人"),
                    ("cashier", "发放员"),
                    ("district_approver", "区服务社审批"),
                    ("district_finance", "区财务"),
                    ("foundation_officer", "基金会项目官员"),
                    ("foundation_finance", "基金会财务"),
                    ("supervisor", "民政局监管"),
                    ("auditor", "审计"),
                    ("sysadmin", "系统管理员"),
                    ("security_admin", "安全管理员"),
                    ("department_officer", "职能部门专员"),
                    ("volunteer", "志愿者"),
                ],
                max_length=24,
                verbose_name="角色",
            ),
        ),
        migrations.AddConstraint(
            model_name="roleassignment",
            constraint=models.UniqueConstraint(
                condition=models.Q(("role__in", ["auditor", "security_admin", "sysadmin"])),
                fields=("user",),
                name="one_administrator_role_per_user",
                violation_error_message="系统管理员、安全管理员和审计员须由不同的人担任，每个账号只能担任其中一个。",
            ),
        ),
        migrations.RunPython(no_superusers, migrations.RunPython.noop),
    ]
