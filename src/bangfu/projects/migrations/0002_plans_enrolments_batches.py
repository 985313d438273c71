"""Project aid's procedure (SPEC §4): the plan's fields and filing, enrolments, batches and
their items, delivery verification, indicators and evaluations."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

import bangfu.core.money
import bangfu.projects.models


class Migration(migrations.Migration):
    dependencies = [
        ("funds", "0006_drop_text_refs"),
        ("orgs", "0004_security_admin"),
        ("projects", "0001_initial"),
        ("registry", "0002_list_indexes"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="Batch",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("number", models.PositiveIntegerField(verbose_name="批次号")),
                (
                    "state",
                    models.CharField(
                        choices=[
                            ("prepared", "待审批"),
                            ("approved", "已审批"),
                            ("delivered", "已发放"),
                            ("cancelled", "已撤销"),
                        ],
                        default="prepared",
                        max_length=10,
                        verbose_name="状态",
                    ),
                ),
                ("due_date", models.DateField(verbose_name="计划发放日期")),
                ("item_count", models.PositiveIntegerField(default=0, verbose_name="户数")),
                (
                    "total",
                    bangfu.core.money.MoneyField(
                        decimal_places=2, default=0, max_digits=14, verbose_name="合计金额（元）"
                    ),
                ),
                ("prepared_at", models.DateTimeField(auto_now_add=True, verbose_name="编制时间")),
                ("approved_at", models.DateTimeField(blank=True, null=True, verbose_name="审批时间")),
                ("delivered_on", models.DateField(blank=True, null=True, verbose_name="发放日期")),
            ],
            options={
                "verbose_name": "发放批次",
                "verbose_name_plural": "发放批次",
                "ordering": ["project", "number"],
            },
        ),
        migrations.CreateModel(
            name="BatchItem",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "kind",
                    models.CharField(
                        choices=[("money", "资金"), ("goods", "实物"), ("service", "服务")],
                        max_length=10,
                        verbose_name="帮扶方式",
                    ),
                ),
                (
                    "value",
                    bangfu.core.money.MoneyField(
                        decimal_places=2, max_digits=14, verbose_name="金额或价值（元）"
                    ),
                ),
                (
                    "hours",
                    models.DecimalField(
                        blank=True, decimal_places=2, max_digits=8, null=True, verbose_name="服务时数"
                    ),
                ),
                (
                    "state",
                    models.CharField(
                        choices=[
                            ("pending", "待发放"),
                            ("delivered", "已发放"),
                            ("undelivered", "未发放"),
                            ("cancelled", "已撤销"),
                        ],
                        default="pending",
                        max_length=12,
                        verbose_name="状态",
                    ),
                ),
                ("delivered_on", models.DateField(blank=True, null=True, verbose_name="发放日期")),
                ("note", models.CharField(blank=True, max_length=200, verbose_name="说明")),
            ],
            options={
                "verbose_name": "发放明细",
                "verbose_name_plural": "发放明细",
                "ordering": ["batch", "id"],
            },
        ),
        migrations.CreateModel(
            name="Check",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "result",
                    models.CharField(
                        choices=[
                            ("pending", "待核查"),
                            ("received", "已收到"),
                            ("not_received", "未收到"),
                            ("problem", "收到但有问题"),
                        ],
                        default="pending",
                        max_length=12,
                        verbose_name="核查结果",
                    ),
                ),
                (
                    "channel",
                    models.CharField(
                        blank=True,
                        choices=[("visit", "上门核查"), ("phone", "电话核查")],
                        max_length=8,
                        verbose_name="核查方式",
                    ),
                ),
                ("note", models.CharField(blank=True, max_length=200, verbose_name="说明")),
                ("checked_at", models.DateTimeField(blank=True, null=True, verbose_name="核查时间")),
            ],
            options={
                "verbose_name": "核查记录",
                "verbose_name_plural": "核查记录",
                "ordering": ["verification", "id"],
            },
        ),
        migrations.CreateModel(
            name="Enrolment",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "state",
                    models.CharField(
                        choices=[
                            ("enrolled", "已纳入"),
                            ("paused", "暂停"),
                            ("exited", "已退出"),
                            ("not_eligible", "不符合条件"),
                        ],
                        default="enrolled",
                        max_length=12,
                        verbose_name="状态",
                    ),
                ),
                ("reason", models.CharField(blank=True, max_length=200, verbose_name="原因")),
                (
                    "via",
                    models.CharField(
                        choices=[("one", "逐户纳入"), ("excel", "名单导入"), ("query", "按条件纳入")],
                        max_length=8,
                        verbose_name="纳入方式",
                    ),
                ),
                ("enrolled_at", models.DateTimeField(auto_now_add=True, verbose_name="纳入时间")),
                ("updated_at", models.DateTimeField(auto_now=True, verbose_name="更新时间")),
            ],
            options={
                "verbose_name": "项目帮扶对象",
                "verbose_name_plural": "项目帮扶对象",
                "ordering": ["project", "id"],
            },
        ),
        migrations.CreateModel(
            name="Evaluation",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("score", models.DecimalField(decimal_places=2, max_digits=5, verbose_name="得分")),
                (
                    "grade",
                    models.CharField(
                        choices=[("excellent", "优"), ("good", "良"), ("fair", "中"), ("poor", "差")],
                        max_length=10,
                        verbose_name="等级",
                    ),
                ),
                ("details", models.JSONField(default=dict, verbose_name="评分明细")),
                ("conclusion", models.TextField(blank=True, verbose_name="评价结论")),
                ("evaluated_at", models.DateTimeField(auto_now_add=True, verbose_name="评价时间")),
            ],
            options={
                "verbose_name": "绩效评价",
                "verbose_name_plural": "绩效评价",
                "ordering": ["project", "-evaluated_at", "-id"],
            },
        ),
        migrations.CreateModel(
            name="Indicator",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "dimension",
                    models.CharField(
                        choices=[
                            ("decision", "决策"),
                            ("process", "过程"),
                            ("output", "产出"),
                            ("benefit", "效益"),
                            ("satisfaction", "满意度"),
                        ],
                        max_length=12,
                        verbose_name="维度",
                    ),
                ),
                ("name", models.CharField(max_length=100, verbose_name="指标")),
                ("source", models.CharField(blank=True, max_length=32, verbose_name="计算方式")),
                ("unit", models.CharField(blank=True, max_length=12, verbose_name="单位")),
                ("target", models.DecimalField(decimal_places=2, max_digits=14, verbose_name="目标值")),
                (
                    "weight",
                    models.DecimalField(decimal_places=2, default=1, max_digits=6, verbose_name="指标权重"),
                ),
                (
                    "actual",
                    models.DecimalField(
                        blank=True, decimal_places=2, max_digits=14, null=True, verbose_name="实际值"
                    ),
                ),
                ("evidence", models.TextField(blank=True, verbose_name="佐证说明")),
                ("entered_at", models.DateTimeField(blank=True, null=True, verbose_name="填报时间")),
            ],
            options={
                "verbose_name": "绩效指标",
                "verbose_name_plural": "绩效指标",
                "ordering": ["project", "id"],
            },
        ),
        migrations.CreateModel(
            name="PlanStep",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("action", models.CharField(max_length=24, verbose_name="操作")),
                (
                    "from_state",
                    models.CharField(
                        choices=[
                            ("draft", "草拟"),
                            ("submitted", "待备案"),
                            ("returned", "已退回"),
                            ("filed", "已备案"),
                            ("closed", "已结项"),
                        ],
                        max_length=10,
                        verbose_name="原状态",
                    ),
                ),
                (
                    "to_state",
                    models.CharField(
                        choices=[
                            ("draft", "草拟"),
                            ("submitted", "待备案"),
                            ("returned", "已退回"),
                            ("filed", "已备案"),
                            ("closed", "已结项"),
                        ],
                        max_length=10,
                        verbose_name="新状态",
                    ),
                ),
                ("actor_label", models.CharField(max_length=150, verbose_name="操作者")),
                ("at", models.DateTimeField(auto_now_add=True, verbose_name="时间")),
                ("remarks", models.TextField(blank=True, verbose_name="意见")),
                ("snapshot", models.JSONField(blank=True, default=dict, verbose_name="提交内容")),
            ],
            options={
                "verbose_name": "项目备案记录",
                "verbose_name_plural": "项目备案记录",
                "ordering": ["at", "id"],
            },
        ),
        migrations.CreateModel(
            name="Verification",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "method",
                    models.CharField(
                        choices=[("share", "按比例抽取"), ("number", "按数量抽取"), ("all", "全部核查")],
                        max_length=8,
                        verbose_name="抽取方式",
                    ),
                ),
                (
                    "share",
                    models.DecimalField(
                        blank=True, decimal_places=2, max_digits=5, null=True, verbose_name="抽取比例（%）"
                    ),
                ),
                ("number", models.PositiveIntegerField(blank=True, null=True, verbose_name="抽取数量")),
                ("seed", models.CharField(max_length=64, verbose_name="随机种子")),
                ("drawn_at", models.DateTimeField(auto_now_add=True, verbose_name="抽取时间")),
            ],
            options={
                "verbose_name": "发放核查",
                "verbose_name_plural": "发放核查",
                "ordering": ["project", "id"],
            },
        ),
        migrations.AddField(
            model_name="project",
            name="aid_kind",
            field=models.CharField(
                choices=[("money", "资金"), ("goods", "实物"), ("service", "服务")],
                default="money",
                max_length=10,
                verbose_name="帮扶方式",
            ),
        ),
        migrations.AddField(
            model_name="project",
            name="budget",
            field=bangfu.core.money.MoneyField(
                decimal_places=2, default=0, max_digits=14, verbose_name="预算（元）"
            ),
        ),
        migrations.AddField(
            model_name="project",
            name="created_by",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
                verbose_name="编制人",
            ),
        ),
        migrations.AddField(
            model_name="project",
            name="filed_at",
            field=models.DateTimeField(blank=True, null=True, verbose_name="备案时间"),
        ),
        migrations.AddField(
            model_name="project",
            name="filing_number",
            field=models.CharField(blank=True, max_length=40, verbose_name="备案号"),
        ),
        migrations.AddField(
            model_name="project",
            name="fund_source",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="funds.fundsource",
                verbose_name="资金来源",
            ),
        ),
        migrations.AddField(
            model_name="project",
            name="hours",
            field=models.DecimalField(
                blank=True, decimal_places=2, max_digits=8, null=True, verbose_name="服务时数"
            ),
        ),
        migrations.AddField(
            model_name="project",
            name="item",
            field=models.CharField(blank=True, max_length=100, verbose_name="物品或服务内容"),
        ),
        migrations.AddField(
            model_name="project",
            name="period_end",
            field=models.DateField(blank=True, null=True, verbose_name="实施期止"),
        ),
        migrations.AddField(
            model_name="project",
            name="period_start",
            field=models.DateField(blank=True, null=True, verbose_name="实施期起"),
        ),
        migrations.AddField(
            model_name="project",
            name="purpose",
            field=models.TextField(blank=True, verbose_name="项目目的"),
        ),
        migrations.AddField(
            model_name="project",
            name="state",
            field=models.CharField(
                choices=[
                    ("draft", "草拟"),
                    ("submitted", "待备案"),
                    ("returned", "已退回"),
                    ("filed", "已备案"),
                    ("closed", "已结项"),
                ],
                default="draft",
                max_length=10,
                verbose_name="状态",
            ),
        ),
        migrations.AddField(
            model_name="project",
            name="target",
            field=models.JSONField(blank=True, default=dict, verbose_name="帮扶对象条件"),
        ),
        migrations.AddField(
            model_name="project",
            name="target_households",
            field=models.PositiveIntegerField(default=0, verbose_name="计划帮扶户数"),
        ),
        migrations.AddField(
            model_name="project",
            name="unit_value",
            field=bangfu.core.money.MoneyField(
                decimal_places=2, default=0, max_digits=14, verbose_name="每户标准（元）"
            ),
        ),
        migrations.AddField(
            model_name="project",
            name="updated_at",
            field=models.DateTimeField(auto_now=True, verbose_name="更新时间"),
        ),
        migrations.AddField(
            model_name="project",
            name="weights",
            field=models.JSONField(
                default=bangfu.projects.models.default_weights, verbose_name="绩效评价权重"
            ),
        ),
        migrations.AddConstraint(
            model_name="project",
            constraint=models.UniqueConstraint(
                condition=models.Q(("filing_number", ""), _negated=True),
                fields=("filing_number",),
                name="project_filing_number_unique",
            ),
        ),
        migrations.AddConstraint(
            model_name="project",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    ("period_start__isnull", True),
                    ("period_end__isnull", True),
                    ("period_end__gte", models.F("period_start")),
                    _connector="OR",
                ),
                name="project_period_ordered",
            ),
        ),
        migrations.AddField(
            model_name="batch",
            name="approved_by",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
                verbose_name="审批人",
            ),
        ),
        migrations.AddField(
            model_name="batch",
            name="delivered_by",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
                verbose_name="发放登记人",
            ),
        ),
        migrations.AddField(
            model_name="batch",
            name="follows",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="follow_ups",
                to="projects.batch",
                verbose_name="补发自",
            ),
        ),
        migrations.AddField(
            model_name="batch",
            name="ledger_transaction",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="funds.transaction",
                verbose_name="记账凭证",
            ),
        ),
        migrations.AddField(
            model_name="batch",
            name="prepared_by",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
                verbose_name="编制人",
            ),
        ),
        migrations.AddField(
            model_name="batch",
            name="project",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.PROTECT, related_name="batches", to="projects.project"
            ),
        ),
        migrations.AddField(
            model_name="batchitem",
            name="batch",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.PROTECT, related_name="items", to="projects.batch"
            ),
        ),
        migrations.AddField(
            model_name="batchitem",
            name="followed_up_by",
            field=models.OneToOneField(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="follows",
                to="projects.batchitem",
                verbose_name="补发明细",
            ),
        ),
        migrations.AddField(
            model_name="batchitem",
            name="household",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.PROTECT, related_name="+", to="registry.household"
            ),
        ),
        migrations.AddField(
            model_name="batchitem",
            name="person",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="registry.person",
            ),
        ),
        migrations.AddField(
            model_name="batchitem",
            name="project",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.PROTECT, related_name="+", to="projects.project"
            ),
        ),
        migrations.AddField(
            model_name="check",
            name="checked_by",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
                verbose_name="核查人",
            ),
        ),
        migrations.AddField(
            model_name="check",
            name="item",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.PROTECT, related_name="checks", to="projects.batchitem"
            ),
        ),
        migrations.AddField(
            model_name="enrolment",
            name="enrolled_by",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
                verbose_name="纳入人",
            ),
        ),
        migrations.AddField(
            model_name="enrolment",
            name="household",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.PROTECT,
                related_name="project_enrolments",
                to="registry.household",
                verbose_name="家庭",
            ),
        ),
        migrations.AddField(
            model_name="enrolment",
            name="person",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="registry.person",
                verbose_name="受助成员",
            ),
        ),
        migrations.AddField(
            model_name="enrolment",
            name="project",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.PROTECT, related_name="enrolments", to="projects.project"
            ),
        ),
        migrations.AddField(
            model_name="batchitem",
            name="enrolment",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.PROTECT, related_name="items", to="projects.enrolment"
            ),
        ),
        migrations.AddField(
            model_name="evaluation",
            name="evaluated_by",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
                verbose_name="评价人",
            ),
        ),
        migrations.AddField(
            model_name="evaluation",
            name="project",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.PROTECT, related_name="evaluations", to="projects.project"
            ),
        ),
        migrations.AddField(
            model_name="indicator",
            name="entered_by",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
                verbose_name="填报人",
            ),
        ),
        migrations.AddField(
            model_name="indicator",
            name="project",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.PROTECT, related_name="indicators", to="projects.project"
            ),
        ),
        migrations.AddField(
            model_name="planstep",
            name="project",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.PROTECT, related_name="steps", to="projects.project"
            ),
        ),
        migrations.AddField(
            model_name="planstep",
            name="user",
            field=models.ForeignKey(
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
                verbose_name="操作人",
            ),
        ),
        migrations.AddField(
            model_name="verification",
            name="drawn_by",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
                verbose_name="抽取人",
            ),
        ),
        migrations.AddField(
            model_name="verification",
            name="project",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.PROTECT,
                related_name="verifications",
                to="projects.project",
            ),
        ),
        migrations.AddField(
            model_name="check",
            name="verification",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.PROTECT, related_name="checks", to="projects.verification"
            ),
        ),
        migrations.AddConstraint(
            model_name="batch",
            constraint=models.UniqueConstraint(
                fields=("project", "number"), name="one_batch_number_per_project"
            ),
        ),
        migrations.AddConstraint(
            model_name="batch",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    ("approved_by__isnull", True),
                    models.Q(("approved_by", models.F("prepared_by")), _negated=True),
                    _connector="OR",
                ),
                name="batch_four_eyes",
            ),
        ),
        migrations.AddIndex(
            model_name="enrolment",
            index=models.Index(fields=["household"], name="enrolment_household"),
        ),
        migrations.AddConstraint(
            model_name="enrolment",
            constraint=models.UniqueConstraint(
                fields=("project", "household"), name="one_enrolment_per_household"
            ),
        ),
        migrations.AddConstraint(
            model_name="enrolment",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    models.Q(("state", "exited"), _negated=True),
                    models.Q(("reason", ""), _negated=True),
                    _connector="OR",
                ),
                name="enrolment_exit_reason",
            ),
        ),
        migrations.AddIndex(
            model_name="batchitem",
            index=models.Index(fields=["household"], name="batch_item_household"),
        ),
        migrations.AddConstraint(
            model_name="batchitem",
            constraint=models.UniqueConstraint(
                condition=models.Q(("state", "pending")),
                fields=("project", "household"),
                name="one_open_item_per_household",
            ),
        ),
        migrations.AddConstraint(
            model_name="batchitem",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    models.Q(("state", "delivered"), _negated=True),
                    ("delivered_on__isnull", False),
                    _connector="OR",
                ),
                name="item_delivered_dated",
            ),
        ),
        migrations.AddConstraint(
            model_name="check",
            constraint=models.UniqueConstraint(fields=("verification", "item"), name="one_check_per_item"),
        ),
    ]
