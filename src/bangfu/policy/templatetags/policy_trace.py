"""`{% policy_answer answer as view %}`: an engine answer prepared for `policy/_trace.html`."""

from django import template

from bangfu.policy.presentation import approval_level_zh, policy_title, reason_rows, summary, trace_rows

register = template.Library()


@register.simple_tag
def policy_answer(answer):
    return {"summary": summary(answer), "reasons": reason_rows(answer), "rows": trace_rows(answer)}


@register.filter
def approval_level(level):
    """`{{ answer.approval_level|approval_level }}`: 街镇综合帮扶工作组审批, never `street`."""
    return approval_level_zh(level)


@register.filter(name="policy_title")
def policy_title_filter(code):
    """`{{ answer.policy.id|policy_title }}`: the version's title, never its code."""
    return policy_title(code)
