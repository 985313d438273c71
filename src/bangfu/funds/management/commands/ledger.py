"""`bangfu ledger verify`: check every invariant of the fund ledger.

Exit status 0 when everything holds; 1 with one line per finding otherwise.
"""

from datetime import timedelta

from django.core.management.base import BaseCommand, CommandError

from bangfu.funds.verify import ledger_problems


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

    def handle(self, *args, subcommand, **options):
        if subcommand == "verify":
            self.verify(options)

    def verify(self, options):
        if options["grace_minutes"] < 0:
            raise CommandError("--grace-minutes 不能为负数。")
        problems = ledger_problems(grace=timedelta(minutes=options["grace_minutes"]))
        if not problems:
            self.stdout.write("账目核对通过：未发现问题。")
            return
        self.stdout.write(f"账目核对发现 {len(problems)} 个问题：")
        for problem in problems:
            self.stdout.write(f"  {problem}")
        raise CommandError(f"账目核对未通过（{len(problems)} 个问题）。", returncode=1)
