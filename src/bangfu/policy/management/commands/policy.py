"""`bangfu policy`: the SPEC §6 evaluation contract, and the what-if, on the command line.

    bangfu policy evaluate [--input FILE]           one JSON request -> one JSON answer
    bangfu policy evaluate --batch [--input FILE]   JSON Lines in -> JSON Lines out, same order
    bangfu policy what-if --draft FILE --district CODE --from DATE --to DATE [--json]
                                                    a draft over a period's real cases

A single request that is bad, or that no policy covers, prints the error object on
standard output and exits with status 2. In a batch, a bad line gives that line's error
object and the batch goes on (exit status 0); a blank line is a bad line, so output line
n always answers input line n.

The what-if prints the cost under the versions in force and under the draft, by street,
category and aid type (policy/whatif.py says how); `--json` prints the same as one JSON
object. Bad arguments or a bad draft file exit with status 2 and a message in Chinese.
"""

import sys
from datetime import date

import orjson
from django.core.management.base import BaseCommand, CommandError

from bangfu.core.refusal import Refused
from bangfu.policy.engine import respond
from bangfu.policy.selectors import policy_book
from bangfu.policy.whatif import read_draft, what_if
from bangfu.policy.whatif_text import render_text

# Lines are answered in chunks: one write per chunk instead of one per line.
CHUNK = 2048


class Command(BaseCommand):
    help = "帮扶政策：evaluate（按 SPEC §6 测算一个或一批申请）。"
    # The batch is measured as a whole process: skip the system checks at start-up.
    requires_system_checks = []
    requires_migrations_checks = False
    # Tests pass `stdin=` to call_command.
    stealth_options = ("stdin",)

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="subcommand", required=True, title="subcommands")
        ev = sub.add_parser(
            "evaluate", help="测算：从标准输入（或 --input 文件）读取 JSON 请求，输出 JSON 答复。"
        )
        ev.add_argument("--input", metavar="FILE", help="从文件读取，而不是标准输入。")
        ev.add_argument(
            "--batch", action="store_true", help="JSON Lines：每行一个请求，每行一个答复，顺序相同。"
        )

        wi = sub.add_parser("what-if", help="用草案政策重新测算某区一段时期的真实个案，比较费用。")
        wi.add_argument(
            "--draft", metavar="FILE", required=True, help="草案政策文件（与内置政策文件同格式的 TOML）。"
        )
        wi.add_argument("--district", metavar="CODE", required=True, help="区代码（6位，如 310105）。")
        wi.add_argument(
            "--from", dest="start", metavar="DATE", required=True, help="申请日期起（YYYY-MM-DD）。"
        )
        wi.add_argument(
            "--to", dest="end", metavar="DATE", required=True, help="申请日期止（YYYY-MM-DD，含当日）。"
        )
        wi.add_argument("--json", action="store_true", help="以 JSON 输出。")

    def handle(self, *args, subcommand, **options):
        if subcommand == "evaluate":
            self.evaluate(options)
        elif subcommand == "what-if":
            self.what_if(options)

    def what_if(self, options):
        try:
            start = _day(options["start"], "--from")
            end = _day(options["end"], "--to")
            draft = read_draft(options["draft"])
            result = what_if(
                draft=draft, district_code=options["district"], start=start, end=end, progress=self._progress()
            )
        except Refused as e:
            raise CommandError(e.message, returncode=2) from None
        finally:
            if self._progress_shown:
                self.stderr.write("")  # end the progress line
        if options["json"]:
            self.stdout.write(orjson.dumps(result.as_dict(), option=orjson.OPT_INDENT_2).decode())
        else:
            self.stdout.write(render_text(result))

    _progress_shown = False

    def _progress(self):
        """In a terminal, how far a long what-if is, on one line of standard error; nothing when
        the output goes to a file or a pipe (standard output carries only the result)."""
        if not self.stderr.isatty():
            return None

        def show(done: int, total: int) -> None:
            self._progress_shown = True
            self.stderr.write(f"\r已测算 {done:,} / {total:,} 件个案", ending="")
            self.stderr.flush()

        return show

    def evaluate(self, options):
        out = options.get("stdout") or sys.stdout
        try:
            source = self._open_input(options)
        except OSError as e:
            why = "文件不存在" if isinstance(e, FileNotFoundError) else "无法读取"
            error = Refused(
                f"无法读取输入文件 {options['input']}：{why}。", code="invalid_input", field="input"
            )
            self._write(out, orjson.dumps(error.as_dict()) + b"\n")
            raise CommandError(error.message, returncode=2) from None
        book = policy_book()
        with source:
            if options["batch"]:
                self._batch(source, out, book)
            else:
                status, answer = respond(source.read(), book)
                self._write(out, orjson.dumps(answer) + b"\n")
                if status != 200:
                    raise CommandError(answer["error"]["message"], returncode=2)

    def _open_input(self, options):
        if options.get("input"):
            return open(options["input"], "rb")  # closed by the caller's `with`
        stdin = options.get("stdin") or sys.stdin
        # Bytes straight to orjson when we can: no decoding pass in Python.
        return getattr(stdin, "buffer", stdin)

    def _batch(self, source, out, book):
        dumps = orjson.dumps
        pending: list[bytes] = []
        for line in source:
            _, answer = respond(line, book)
            pending.append(dumps(answer))
            if len(pending) >= CHUNK:
                self._write(out, b"\n".join(pending) + b"\n")
                pending.clear()
        if pending:
            self._write(out, b"\n".join(pending) + b"\n")

    @staticmethod
    def _write(out, data: bytes) -> None:
        binary = getattr(out, "buffer", None)
        if binary is not None:
            binary.write(data)
            binary.flush()
        else:
            out.write(data.decode())


def _day(text: str, option: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise Refused(
            f"{option} 须为日期，格式 YYYY-MM-DD（收到“{text}”）。", code="bad_date", field=option
        ) from None
