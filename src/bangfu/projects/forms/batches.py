"""Forms of a plan's batches: the due date of a new batch, the confirmation of an approval, the
delivery (its day and the items not delivered, each with its reason), the reason of a cancel."""

from django import forms

from bangfu.core.forms import FactDateField, Form


class PrepareForm(Form):
    """A new batch, or the follow-up batch of a delivered one: when it is to be delivered."""

    due_date = forms.DateField(label="计划发放日期")


class ConfirmForm(Form):
    """请确认: the second screen's submission carries `confirm` (the first shows the figures)."""

    confirm = forms.BooleanField(required=False, widget=forms.HiddenInput)


class DeliverForm(ConfirmForm):
    day = FactDateField(label="发放日期")

    def __init__(self, data=None, *, pending_ids=frozenset(), **kwargs):
        super().__init__(data, **kwargs)
        self.pending_ids = pending_ids
        self.undelivered: dict[int, str] = {}

    def clean(self):
        """The ticked items (`undelivered`, item ids) and their reasons (`reason_<id>`)."""
        data = super().clean()
        if self.data is None:
            return data
        missing = []
        for raw in self.data.getlist("undelivered"):
            try:
                pk = int(raw)
            except ValueError:
                continue
            if pk not in self.pending_ids:
                continue
            reason = (self.data.get(f"reason_{pk}") or "").strip()
            if not reason:
                missing.append(pk)
            self.undelivered[pk] = reason[:200]
        if missing:
            self.missing = set(missing)
            raise forms.ValidationError(f"请填写每一项未发放明细的原因（{len(missing)} 项未填写）。")
        return data


class CancelForm(Form):
    reason = forms.CharField(label="撤销原因", max_length=200, widget=forms.Textarea(attrs={"rows": 3}))
