"""Screening visits and leads become discovery's models (SPEC §3), on the tables the cases
app created: the state moves here, the database is not touched (no row is copied or lost).
cases 0003 then drops the models from its own state, and 0002 here gives the tables
discovery's names."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("cases", "0002_money_append_only"),
        ("orgs", "0004_security_admin"),
        ("registry", "0001_initial"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[
                migrations.CreateModel(
                    name="ScreeningVisit",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                            ),
                        ),
                        ("visited_on", models.DateField(verbose_name="排摸日期")),
                        (
                            "finding",
                            models.CharField(
                                choices=[
                                    ("none", "无异常"),
                                    ("sudden_illness", "突发疾病"),
                                    ("accident", "意外事故"),
                                    ("job_loss", "失业"),
                                    ("housing", "住房困难"),
                                    ("other", "其他困难"),
                                ],
                                max_length=16,
                                verbose_name="发现情况",
                            ),
                        ),
                        ("notes", models.TextField(blank=True, verbose_name="情况记录")),
                        ("next_visit_due", models.DateField(verbose_name="下次排摸日期")),
                        ("at", models.DateTimeField(auto_now_add=True)),
                        (
                            "by",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="+",
                                to=settings.AUTH_USER_MODEL,
                                verbose_name="排摸人",
                            ),
                        ),
                        (
                            "household",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="screening_visits",
                                to="registry.household",
                                verbose_name="家庭",
                            ),
                        ),
                        (
                            "street",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="+",
                                to="orgs.organisation",
                                verbose_name="街镇",
                            ),
                        ),
                    ],
                    options={
                        "verbose_name": "排摸记录",
                        "verbose_name_plural": "排摸记录",
                        "ordering": ["-visited_on", "-id"],
                        "db_table": "cases_screeningvisit",
                        "indexes": [
                            models.Index(fields=["household", "-visited_on"], name="visit_household_latest")
                        ],
                    },
                ),
                migrations.CreateModel(
                    name="Lead",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                            ),
                        ),
                        (
                            "source",
                            models.CharField(
                                choices=[
                                    ("new_dibao", "新纳入低保"),
                                    ("serious_illness", "新发大重病"),
                                    ("large_medical", "大额医疗支出"),
                                    ("referral", "居委会/志愿者转介"),
                                ],
                                max_length=16,
                                verbose_name="线索来源",
                            ),
                        ),
                        ("description", models.TextField(verbose_name="线索内容")),
                        ("raised_at", models.DateTimeField(auto_now_add=True, verbose_name="发现时间")),
                        ("closed_at", models.DateTimeField(blank=True, null=True, verbose_name="处理时间")),
                        ("resolution", models.TextField(blank=True, verbose_name="处理结果")),
                        (
                            "closed_by",
                            models.ForeignKey(
                                blank=True,
                                null=True,
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="+",
                                to=settings.AUTH_USER_MODEL,
                            ),
                        ),
                        (
                            "household",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="leads",
                                to="registry.household",
                                verbose_name="家庭",
                            ),
                        ),
                        (
                            "street",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="+",
                                to="orgs.organisation",
                                verbose_name="街镇",
                            ),
                        ),
                        (
                            "visit",
                            models.ForeignKey(
                                blank=True,
                                null=True,
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="leads_followed",
                                to="discovery.screeningvisit",
                            ),
                        ),
                    ],
                    options={
                        "verbose_name": "线索",
                        "verbose_name_plural": "线索",
                        "ordering": ["-raised_at", "-id"],
                        "db_table": "cases_lead",
                    },
                ),
            ],
        ),
    ]
