"""`bangfu synth --households N --cases M --seed S`: load synthetic households and cases for
tests, demos and benchmarks (bangfu/demo/households.py, bangfu/demo/cases.py)."""

from datetime import date, timedelta

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from bangfu.audit.actor import Actor
from bangfu.cases.models import CaseState
from bangfu.core.refusal import Refused
from bangfu.demo.cases import synth_cases
from bangfu.demo.households import synth_load, synth_streets
from bangfu.orgs.models import Organisation, OrgKind


class Command(BaseCommand):
    help = "生成合成的家庭档案和个案（姓名、地址、身份证号等均为虚构），按种子可重复，批量写入。"

    def add_arguments(self, parser):
        parser.add_argument("--households", type=int, help="生成的户数（每户约3.3人）")
        parser.add_argument("--cases", type=int, help="在所选街镇的在册家庭中生成的个案数")
        parser.add_argument("--from", dest="start", help="个案申请日期起（YYYY-MM-DD，默认一年前）")
        parser.add_argument("--to", dest="end", help="个案申请日期止（YYYY-MM-DD，默认今天）")
        parser.add_argument("--seed", type=int, default=1, help="随机种子：同一种子生成相同的数据")
        parser.add_argument("--district", help="只在该区（6位区代码，如310105）的街镇生成；默认全市215个街镇")
        parser.add_argument(
            "--workers", type=int, help="生成与加密的进程数（默认按机器和数据库决定，0为单进程）"
        )
        parser.add_argument("--quiet", action="store_true", help="不显示进度")

    def handle(self, *, households, cases, start, end, seed, district, workers, quiet, **options):
        if households is None and cases is None:
            raise CommandError("请指定 --households（户数）或 --cases（个案数），或两者都指定。")
        if households is not None and households <= 0:
            raise CommandError(f"户数必须是正整数（收到 {households}）。")
        if cases is not None and cases <= 0:
            raise CommandError(f"个案数必须是正整数（收到 {cases}）。")
        if seed < 0:
            raise CommandError(f"种子必须是非负整数（收到 {seed}）。")
        if workers is not None and workers < 0:
            raise CommandError(f"进程数不能为负数（收到 {workers}）。")
        if district and not Organisation.objects.filter(code=district, kind=OrgKind.DISTRICT).exists():
            raise CommandError(f"没有代码为 {district} 的区。区代码为6位数字，如长宁区 310105。")
        streets = synth_streets(district=district)
        if households:
            self.households(households, seed, streets, workers, quiet)
        if cases:
            self.cases(cases, seed, district, start, end)

    def households(self, households, seed, streets, workers, quiet):
        def progress(done: int, seconds: float) -> None:
            if not quiet:
                self.stdout.write(f"  已生成 {done:,} / {households:,} 户（{seconds:.1f} 秒）")

        try:
            result = synth_load(
                seed=seed,
                households=households,
                streets=streets,
                actor=Actor.system("synth"),
                workers=workers,
                progress=progress,
            )
        except Refused as exc:
            raise CommandError(exc.message) from exc
        self.stdout.write(
            self.style.SUCCESS(
                f"已写入 {result.households:,} 户、{result.persons:,} 人、{result.categories:,} 条家庭类别，"
                f"分布在 {len(streets)} 个街镇；用时 {result.seconds:.1f} 秒，"
                f"{result.rows_per_second:,.0f} 行/秒（{result.rows:,} 行）。"
            )
        )

    def cases(self, cases, seed, district, start, end):
        today = timezone.localdate()
        try:
            start = _day(start, "--from") if start else today - timedelta(days=365)
            end = _day(end, "--to") if end else today
            qs = Organisation.objects.filter(kind=OrgKind.STREET, active=True, parent__kind=OrgKind.DISTRICT)
            if district:
                qs = qs.filter(parent__code=district)
            result = synth_cases(
                seed=seed, cases=cases, streets=list(qs), start=start, end=end, actor=Actor.system("synth")
            )
        except Refused as exc:
            raise CommandError(exc.message) from exc
        states = "、".join(f"{CaseState(k).label} {v:,}" for k, v in sorted(result.by_state.items()))
        self.stdout.write(
            self.style.SUCCESS(
                f"已写入 {result.cases:,} 件个案（{states}），发放 {result.payments:,} 笔共 ¥{result.paid:,.2f}，"
                f"均已入账；用时 {result.seconds:.1f} 秒，{result.cases_per_second:,.0f} 件/秒。"
            )
        )


def _day(text: str, option: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise Refused(f"{option} 须为日期，格式 YYYY-MM-DD（收到“{text}”）。", code="bad_date") from None
