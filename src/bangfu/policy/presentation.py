"""An answer of the engine, as staff read it: every step in Chinese, with its parameter,
value and clause (used by `policy/_trace.html` wherever an amount is proposed)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from bangfu.core.dates import cn_date
from bangfu.core.money import format_yuan

from .engine import CATEGORY_ZH, CONDITION_ZH, EVENT_ZH, FEE_TYPE_ZH
from .parameters import CODES, COUNT, FLAG, MONEY, RATE, SPEC_BY_NAME, parameter_label

STEP_ZH = {
    "policy.select": "适用政策版本",
    "residency.residence": "居住条件",
    "residency.hukou": "户籍条件",
    "medical.window": "发票有效期",
    "medical.invoice": "医疗发票",
    "medical.rate": "医疗帮扶比例",
    "insurance_supplement.category": "家庭类别",
    "insurance_supplement.conditions": "补缴金帮扶条件",
    "insurance_supplement.rate": "补缴金帮扶比例",
    "emergency.event": "突发事件类型",
    "emergency.conditions": "事故后果",
    "emergency.max_amount": "突发事件帮扶上限",
    "annual.count": "年度帮扶次数",
    "annual.amount": "年度累计帮扶金额",
    "approval.level": "审批层级",
}
LEVEL_ZH = {"street": "街镇综合帮扶工作组审批", "district": "报区服务社审批"}
REASON_ZH = {
    "residency": "不符合户籍与居住条件",
    "no_eligible_expense": "没有可计入的医疗费用",
    "category_not_eligible": "家庭类别不适用",
    "condition_not_met": "条件未满足",
    "annual_count_exceeded": "超过年度帮扶次数",
    "annual_amount_exhausted": "年度累计额度已用完",
    "capped_by_annual_limit": "受年度累计上限限制",
    "requested_above_maximum": "申请金额超过上限",
}
INVOICE_RESULT_ZH = {
    "counted": "计入",
    "not_regular_hospital": "不计入：非正规医院开具",
    "excluded_fee_type": "不计入：该费用类型不计入",
    "outside_window": "不计入：不在有效期内",
}
# The forms of aid an annual cap counts (annual.*.forms), as bangfu.aid names them.
_FORM_ZH = {"case": "个案帮扶", "project": "项目帮扶", "specific": "特定帮扶"}
_CODE_ZH = {**CATEGORY_ZH, **FEE_TYPE_ZH, **EVENT_ZH, **CONDITION_ZH, **_FORM_ZH}
_MET = {"met": "符合", "not_met": "不符合", "exceeded": "已达上限"}


def cn_day(text: str) -> str:
    return cn_date(date.fromisoformat(text))


def _period(text: str) -> str:
    start, end = text.split("/")
    return f"{cn_day(start)}至{cn_day(end)}（含）"


def _percent(text: str) -> str:
    return f"{(Decimal(text) * 100).normalize():f}%"


def value_zh(parameter: str, text: str) -> str:
    """A parameter value as people read it: ¥20,000.00, 60%, 是, 陪护费、营养费."""
    if parameter == "policy.validity":
        return _period(text)
    spec = SPEC_BY_NAME.get(parameter)
    if spec is None:
        return text
    if spec.kind == MONEY:
        return format_yuan(Decimal(text))
    if spec.kind == RATE:
        return _percent(text)
    if spec.kind == FLAG:
        return "是" if text == "true" else "否"
    if spec.kind == CODES:
        return "、".join(_CODE_ZH.get(c, c) for c in text.split(",") if c) or "（无）"
    if spec.kind == COUNT and parameter == "medical.invoice_window_years":
        return f"{text} 年"
    if spec.kind == COUNT:
        return f"{text} 次"
    return text


def _result_zh(item: dict) -> str:
    step, result, subject = item["step"], item["result"], item.get("subject")
    if step == "policy.select":
        return policy_title(result)
    if step == "medical.window":
        return _period(result)
    if step == "medical.invoice":
        return f"发票 {subject}：{INVOICE_RESULT_ZH.get(result, result)}"
    if step in ("medical.rate", "insurance_supplement.rate"):
        return f"{format_yuan(Decimal(subject))} × {_percent(item['value'])} = {format_yuan(Decimal(result))}"
    if step == "emergency.max_amount":
        return format_yuan(Decimal(result))
    if step == "annual.count":
        return f"本年已帮扶 {subject} 次：{'未达上限' if result == 'met' else '已达上限'}"
    if step == "annual.amount":
        return f"本年已帮扶 {format_yuan(Decimal(subject))}，剩余 {format_yuan(Decimal(result))}"
    if step == "approval.level":
        return f"建议金额 {format_yuan(Decimal(subject))}：{LEVEL_ZH.get(result, result)}"
    if step == "residency.hukou":
        return f"户籍 {subject}：{_MET.get(result, result)}"
    if step == "insurance_supplement.conditions" and subject:
        missing = "、".join(_CODE_ZH.get(c, c) for c in subject.split(","))
        return f"{_MET.get(result, result)}：{missing}"
    if subject:
        return f"{_CODE_ZH.get(subject, subject)}：{_MET.get(result, result)}"
    return _MET.get(result, result)


def trace_rows(answer: dict) -> list[dict]:
    """One row per trace step: 步骤, 参数 (label and name), 取值, 依据, 结果 — all in Chinese."""
    rows = []
    for item in answer.get("trace", ()):
        rows.append(
            {
                "step": STEP_ZH.get(item["step"], item["step"]),
                "parameter": item["parameter"],
                "parameter_label": parameter_label(item["parameter"]),
                "value": value_zh(item["parameter"], item["value"]),
                "source": item["source"],
                "result": _result_zh(item),
                "failed": item["result"] in ("not_met", "exceeded"),
            }
        )
    return rows


def reason_rows(answer: dict) -> list[dict]:
    return [
        {"code": r["code"], "label": REASON_ZH.get(r["code"], r["code"]), "message": r["message"],
         "generally": bool(r.get("generally"))}
        for r in answer.get("reasons", ())
    ]  # fmt: skip


def approval_level_zh(level: str | None) -> str:
    """街镇综合帮扶工作组审批 for `street`: the engine's approval level as staff read it."""
    return LEVEL_ZH.get(level or "", "—")


def policy_title(code: str) -> str:
    """A policy version named by its title, never its code (the code is for machines and files)."""
    from .models import Policy

    title = Policy.objects.filter(code=code).values_list("title", flat=True).first()
    return title or code


def summary(answer: dict) -> dict:
    """The figures at the top of an answer, formatted."""
    return {
        "eligible": answer["eligible"],
        "max_amount": format_yuan(Decimal(answer["max_amount"])),
        "recommended_amount": format_yuan(Decimal(answer["recommended_amount"])),
        "approval_level": approval_level_zh(answer["approval_level"]),
        "policy": policy_title(answer["policy"]["id"]),
        "policy_period": _period(f"{answer['policy']['valid_from']}/{answer['policy']['valid_to']}"),
    }
