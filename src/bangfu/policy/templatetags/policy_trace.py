"""`{% policy_answer answer as view %}`: an engine answer prepared for `policy/_trace.html`."""

from django import template

from bangfu.policy.presentation import reason_rows, summary, trace_rows

register = template.Library()


@register.simple_tag
def policy_answer(answer):
    return {"summary": summary(answer), "reasons": reason_rows(answer), "rows": trace_rows(answer)}
