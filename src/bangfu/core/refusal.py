"""The one refusal every service raises: a rule says no to what was asked.

`message` is for people (Chinese, shown as it is), `code` for machines (stable, the API's
error code), `field` names the input at fault when one is, and `status` is the HTTP
status the API answers with. Pure Python: the policy engine, which imports no Django,
raises it too. The views show it with `bangfu.core.views`, the API with one
exception handler (`bangfu.api`); a subclass exists only where a refusal carries data.
"""


class Refused(Exception):
    def __init__(self, message: str, *, code: str = "refused", field: str | None = None, status: int = 400):
        super().__init__(message)
        self.message, self.code, self.field, self.status = message, code, field, status

    def as_dict(self) -> dict:
        """The API's error object (SPEC §6)."""
        return {"error": {"code": self.code, "message": self.message, "field": self.field}}

    def __repr__(self) -> str:
        return f"Refused({self.message!r}, code={self.code!r}, field={self.field!r}, status={self.status})"
