"""`bangfu ledger verify`: check every invariant of the fund ledger.

Exit status 0 when everything holds; 1 with one line per finding otherwise (at most `--limit`
per check, then how many more there are). `-v 2` also prints how long each check took.
"""

from datetime import timedelta

from django.core.management.base import BaseCommand, CommandError

from bangfu.funds.verify import CHECK_LABELS, LIMIT, ledger_verify


class Command(BaseCommand):
    help = "资金账目：verify（核对账目的全部不变量）。"

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="subcommand", required=True, title="subcommands")
        verify = sub.add_parser("verify", help="核对：分录合计为零、发放均已入账、余额、限额、协议、返还。")
        # A payment is posted by a background task just after it is made: give the task time
        # before calling an unposted payment an alarm.
        verify.add_argument(
            "--grace-minutes", type=int, default=15, help="发放后多少分钟内未入账不算异常（默认15）。"
        )
        verify.add_argument(
            "--limit",
            type=int,
            default=LIMIT,
            help=f"每项检查最多列出多少个问题（默认{LIMIT}），其余只计数。",
        )

    def handle(self, *args, subcommand, **options):
        if subcommand == "verify":
            self.verify(options)

    def verify(self, options):
        if options["grace_minutes"] < 0:
            raise CommandError("--grace-minutes 不能为负数。")
        if options["limit"] < 1:
            raise CommandError("--limit 至少为 1。")
        result = ledger_verify(grace=timedelta(minutes=options["grace_minutes"]), limit=options["limit"])
        if options["verbosity"] >= 2:
            for name, seconds in result.seconds.items():
                self.stdout.write(f"  检查 {name}：{seconds:.2f} 秒")
        if not result.total:
            self.stdout.write("账目核对通过：未发现问题。")
            return
        self.stdout.write(f"账目核对发现 {result.total} 个问题：")
        listed = {}
        for problem in result.problems:
            listed.setdefault(problem.check, []).append(problem)
        for check in CHECK_LABELS:
            for problem in listed.get(check, ()):
                self.stdout.write(f"  {problem}")
            more = result.unlisted(check)
            if more:
                self.stdout.write(
                    f"  [{check}] 另有 {more} 个同类问题未列出（{CHECK_LABELS[check]}共 "
                    f"{result.counts[check]} 个问题，仅列出前 {result.limit} 个）。"
                )
        raise CommandError(f"账目核对未通过（{result.total} 个问题）。", returncode=1)
