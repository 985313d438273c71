"""A filed report's snapshot: its figures to JSON and back (money as exact strings), and the
readable difference between a snapshot and the figures recomputed now."""

from __future__ import annotations

from decimal import Decimal

from bangfu.core.money import format_yuan

from .figures import CASE_COLUMNS, FUND_COLUMNS, FUND_KEYS, PROJECT_COLUMNS, PROJECT_MONEY

MONEY_KEYS = {*FUND_KEYS, "amount", "cap", "used", "spent", "allocated", "agreement_amount", "sent", "returned",
              "outstanding", *PROJECT_MONEY}  # fmt: skip
# Other exact figures a snapshot keeps as strings: a project's service hours.
DECIMAL_KEYS = {*MONEY_KEYS, "hours"}


def to_json(value):
    """Decimals as strings (exact), the rest as is: what a filing stores."""
    if isinstance(value, Decimal):
        return f"{value:.2f}"
    if isinstance(value, dict):
        return {k: to_json(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [to_json(v) for v in value]
    return value


def from_json(value, key: str = ""):
    """The inverse of `to_json`: the money fields back to Decimal."""
    if isinstance(value, dict):
        return {k: from_json(v, k) for k, v in value.items()}
    if isinstance(value, list):
        return [from_json(v, key) for v in value]
    if key in DECIMAL_KEYS and isinstance(value, str):
        return Decimal(value)
    return value


_CASE_LABELS = dict(CASE_COLUMNS) | {"applications": "受理申请数"}
_FUND_LABELS = dict(FUND_COLUMNS)
_PROJECT_LABELS = dict(PROJECT_COLUMNS)
_SECTIONS = {
    "by_aid_type": "按帮扶类型",
    "by_category": "按家庭类别",
    "by_street": "按街镇",
    "by_source": "按资金来源",
    "by_org": "按单位",
    "by_plan": "按项目",
}


def flatten(figures: dict) -> dict[str, str]:
    """Every figure under a label people can read: '资金·按资金来源·市级福彩金·期末余额' → '1.00'."""
    f = to_json(figures)
    out: dict[str, str] = {}
    cases, funds = f.get("cases", {}), f.get("funds", {})
    for k, v in cases.get("total", {}).items():
        if k in _CASE_LABELS:
            out[f"个案·合计·{_CASE_LABELS[k]}"] = str(v)
    for section in ("by_aid_type", "by_category", "by_street", "by_source"):
        for row in cases.get(section, []):
            for k, v in row.items():
                if k in _CASE_LABELS:
                    out[f"个案·{_SECTIONS[section]}·{row['label']}（{row['key']}）·{_CASE_LABELS[k]}"] = str(
                        v
                    )
    for section in ("by_source", "by_org"):
        for row in funds.get(section, []):
            for k, v in row.items():
                if k in _FUND_LABELS:
                    out[f"资金·{_SECTIONS[section]}·{row['label']}（{row['key']}）·{_FUND_LABELS[k]}"] = str(
                        v
                    )
    for k, v in funds.get("total", {}).items():
        out[f"资金·合计·{_FUND_LABELS[k]}"] = str(v)
    # Project aid: only a month with project aid has lines (a snapshot filed before the report
    # had the section reads the same as one of a month without).
    projects = f.get("projects") or {}
    for section in ("by_plan", "by_source"):
        for row in projects.get(section, []):
            for k, v in row.items():
                if k in _PROJECT_LABELS:
                    name = f"{row['label']}（{row['key']}）"
                    out[f"项目·{_SECTIONS[section]}·{name}·{_PROJECT_LABELS[k]}"] = str(v)
    if projects.get("by_plan"):
        for k, v in projects.get("total", {}).items():
            if k in _PROJECT_LABELS:
                out[f"项目·合计·{_PROJECT_LABELS[k]}"] = str(v)
    return out


def differences(filed: dict, now: dict) -> list[str]:
    """What changed between a filed snapshot and the figures recomputed now, one line per figure."""
    a, b = flatten(filed), flatten(now)
    lines = []
    for label in sorted(set(a) | set(b)):
        x, y = a.get(label), b.get(label)
        if x != y:
            lines.append(f"{label}：报送 {_show(label, x)}，现为 {_show(label, y)}")
    return lines


def _show(label: str, value: str | None) -> str:
    if value is None:
        return "（无）"
    if label.endswith(("金额", *(v for v in _FUND_LABELS.values()), "资金", "实物价值", "服务价值")) or (
        label.startswith("项目·") and label.endswith("合计")
    ):
        return format_yuan(Decimal(value))
    return value
