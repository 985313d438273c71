"""The direction of imports between the apps (docs/architecture.md, "Which app may import which").

Every `import bangfu.<app>…` / `from bangfu.<app>… import …` in the source, at module level or
inside a function, is an edge from the importing app to the imported one. An app may import the
apps listed for it in `MAY_IMPORT`, which is a layering: nothing imports an app above it, so there
is no cycle. The few edges against the layering are in `EXCEPTIONS`, each for one module with the
reason; an exception no longer used fails too, so the list stays true. Migrations are left out
(they name other apps' migrations by string, not by import).
"""

from __future__ import annotations

import ast
from collections import defaultdict
from pathlib import Path

import bangfu

SRC = Path(bangfu.__file__).parent

# Lowest first. Each app may import the apps listed (and Django, and itself).
MAY_IMPORT: dict[str, set[str]] = {
    "core": set(),
    "formats": set(),  # the zh-hans date formats (settings.FORMAT_MODULE_PATH): Django's alone
    "audit": {"core"},
    "orgs": {"core", "audit"},
    # Long work in the background, its progress and its kept result: it knows no domain; each
    # app registers its own kinds of work (policy/jobs.py, funds/jobs.py) and starts them.
    "jobs": {"core", "audit", "orgs"},
    "policy": {"core", "audit", "orgs", "jobs"},  # jobs: the what-if runs in the background
    "registry": {"core", "audit", "orgs"},
    "aid": {"core", "audit", "orgs", "registry"},
    # jobs: every district's reports are generated in the background
    "funds": {"core", "audit", "orgs", "policy", "registry", "aid", "jobs"},
    "cases": {"core", "audit", "orgs", "policy", "registry", "aid", "funds"},
    "discovery": {"core", "audit", "orgs", "registry", "cases"},
    # Project and specific aid post through the ledger and write aid records; a project's annual
    # caps count the household's case aid approved and not yet paid (cases) as case aid does.
    "projects": {"core", "audit", "orgs", "policy", "registry", "aid", "funds", "jobs", "cases"},
    "specific": {"core", "audit", "orgs", "policy", "registry", "aid", "funds", "jobs"},
    # The top: the pages that bring the apps together, the demo data, the project's own modules.
    "web": {"*"},
    "demo": {"*"},
    "(project)": {"*"},
}

# (module, app it imports against the layering): why.
EXCEPTIONS: dict[tuple[str, str], str] = {
    ("audit/selectors.py", "orgs"): "the audit log is read within the reader's scope",
    ("audit/views.py", "orgs"): "the audit log's page checks the reader's permission",
    ("audit/describe.py", "orgs"): "the log names an object, and links it, only within the reader's scope",
    ("audit/admin.py", "orgs"): "the audit log's admin checks the reader's permission",
    ("aid/services.py", "funds"): "a money aid record is checked against the ledger transaction it points at",
    ("policy/whatif.py", "cases"): "the what-if runs a draft version over the period's real cases",
    ("policy/whatif.py", "registry"): "the what-if reads the households' categories on each application date",
    ("policy/views.py", "cases"): "试算 reads a household on file as the case procedure reads an applicant",
    ("funds/services.py", "cases"): "payment_post posts the case procedure's outbox row (PaymentRecord)",
    ("funds/tasks.py", "cases"): "the sweep posts outbox rows a crash left behind",
    ("funds/verify.py", "cases"): "ledger verify checks the case procedure's payments against the ledger",
    ("funds/selectors.py", "cases"): "spending by aid type labels the case aid types",
    ("funds/reports/figures.py", "cases"): "the monthly report counts case aid by aid type and category",
    ("funds/reports/annual.py", "cases"): "the annual inspection lists the year's case payments",
}


def _app_of(path: Path) -> str:
    rel = path.relative_to(SRC)
    return rel.parts[0] if len(rel.parts) > 1 else "(project)"


def _edges() -> dict[tuple[str, str], list[str]]:
    """(module, imported app) → the lines, for every cross-app import."""
    found: dict[tuple[str, str], list[str]] = defaultdict(list)
    for path in sorted(SRC.rglob("*.py")):
        rel = path.relative_to(SRC)
        if "migrations" in rel.parts:
            continue
        app = _app_of(path)
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
            else:
                continue
            for name in names:
                parts = name.split(".")
                if parts[0] != "bangfu" or len(parts) < 2:
                    continue
                target = parts[1] if (SRC / parts[1]).is_dir() else "(project)"
                if target != app:
                    found[(rel.as_posix(), target)].append(f"{rel}:{node.lineno}")
    return found


def _allowed(app: str, target: str) -> bool:
    allowed = MAY_IMPORT[app]
    return "*" in allowed or target in allowed


def test_every_app_has_a_place_in_the_layering():
    apps = {p.name for p in SRC.iterdir() if p.is_dir() and (p / "__init__.py").exists()}
    assert apps - set(MAY_IMPORT) == set(), "add the new app to MAY_IMPORT (and docs/architecture.md)"


def test_the_layering_has_no_cycle():
    below = {app: {t for t in allowed if t != "*"} for app, allowed in MAY_IMPORT.items()}
    for app, targets in below.items():
        seen, todo = set(), list(targets)
        while todo:
            t = todo.pop()
            assert t != app, f"{app} may import itself through {sorted(seen)}"
            if t not in seen:
                seen.add(t)
                todo.extend(below.get(t, ()))


def test_no_app_imports_one_it_must_not():
    wrong = [
        f"{lines[0]}: {app_module} imports bangfu.{target}"
        for (app_module, target), lines in _edges().items()
        if not _allowed(_app_of(SRC / app_module), target) and (app_module, target) not in EXCEPTIONS
    ]
    assert wrong == [], "imports against the direction of docs/architecture.md:\n" + "\n".join(wrong)


def test_every_exception_is_still_needed():
    edges = _edges()
    stale = [f"{module} → {target}" for module, target in EXCEPTIONS if (module, target) not in edges]
    assert stale == [], "exceptions no longer used (remove them):\n" + "\n".join(stale)


def test_the_check_sees_imports_inside_functions(tmp_path):
    """The edges include function-level imports: a lazy import is a dependency all the same."""
    assert ("funds/verify.py", "cases") in _edges()  # imported inside the check functions only
