"""`bangfu synth --households N --seed S`: load N synthetic households for tests, demos and benchmarks."""

from django.core.management.base import BaseCommand, CommandError

from bangfu.audit.actor import Actor
from bangfu.orgs.models import Organisation, OrgKind
from bangfu.registry.synth import SynthError, synth_load, synth_streets


class Command(BaseCommand):
    help = "生成合成的家庭档案（姓名、地址、身份证号等均为虚构），按种子可重复，批量写入。"

    def add_arguments(self, parser):
        parser.add_argument("--households", type=int, required=True, help="生成的户数（每户约3.3人）")
        parser.add_argument("--seed", type=int, default=1, help="随机种子：同一种子生成相同的数据")
        parser.add_argument("--district", help="只在该区（6位区代码，如310105）的街镇生成；默认全市215个街镇")
        parser.add_argument(
            "--workers", type=int, help="生成与加密的进程数（默认按机器和数据库决定，0为单进程）"
        )
        parser.add_argument("--quiet", action="store_true", help="不显示进度")

    def handle(self, *, households, seed, district, workers, quiet, **options):
        if households <= 0:
            raise CommandError(f"户数必须是正整数（收到 {households}）。")
        if seed < 0:
            raise CommandError(f"种子必须是非负整数（收到 {seed}）。")
        if workers is not None and workers < 0:
            raise CommandError(f"进程数不能为负数（收到 {workers}）。")
        if district and not Organisation.objects.filter(code=district, kind=OrgKind.DISTRICT).exists():
            raise CommandError(f"没有代码为 {district} 的区。区代码为6位数字，如长宁区 310105。")
        streets = synth_streets(district=district)

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
        except SynthError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(
            self.style.SUCCESS(
                f"已写入 {result.households:,} 户、{result.persons:,} 人、{result.categories:,} 条家庭类别，"
                f"分布在 {len(streets)} 个街镇；用时 {result.seconds:.1f} 秒，"
                f"{result.rows_per_second:,.0f} 行/秒（{result.rows:,} 行）。"
            )
        )
