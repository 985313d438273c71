"""`bangfu policy evaluate`: the SPEC §6 evaluation contract on the command line.

    bangfu policy evaluate [--input FILE]           one JSON request -> one JSON answer
    bangfu policy evaluate --batch [--input FILE]   JSON Lines in -> JSON Lines out, same order

A single request that is bad, or that no policy covers, prints the error object on
standard output and exits with status 2. In a batch, a bad line gives that line's error
object and the batch goes on (exit status 0); a blank line is a bad line, so output line
n always answers input line n.
"""

import sys

import orjson
from django.core.management.base import BaseCommand, CommandError

from bangfu.policy.engine import EvaluationError, respond
from bangfu.policy.selectors import policy_book

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

    def handle(self, *args, subcommand, **options):
        if subcommand == "evaluate":
            self.evaluate(options)

    def evaluate(self, options):
        out = options.get("stdout") or sys.stdout
        try:
            source = self._open_input(options)
        except OSError as e:
            why = "文件不存在" if isinstance(e, FileNotFoundError) else "无法读取"
            error = EvaluationError("invalid_input", f"无法读取输入文件 {options['input']}：{why}。", "input")
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
