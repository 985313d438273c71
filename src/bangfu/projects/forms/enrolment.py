"""Forms of enrolment (SPEC §4): the list's filters, a household by file number, the Excel
list, the household file's offer, and the reason of a pause or an exit. They read the shape of
what is typed; the rules are the services' (projects.enrolment, projects.eligibility)."""

from django import forms

from bangfu.core.forms import Form
from bangfu.core.listing import ListFilterForm, search_field
from bangfu.orgs.models import Organisation

from ..models import EnrolmentState

MAX_UPLOAD = 5 * 1024 * 1024


class EnrolmentFilterForm(ListFilterForm):
    q = search_field("档案编号")
    state = forms.ChoiceField(label="状态", choices=[("", "全部状态"), *EnrolmentState.choices])
    street = forms.ModelChoiceField(
        label="街镇", queryset=Organisation.objects.none(), empty_label="全部街镇"
    )

    def __init__(self, data=None, *, streets, **kwargs):
        super().__init__(data, **kwargs)
        self.offer("street", streets)


class FileNumberForm(Form):
    file_number = forms.CharField(label="档案编号", max_length=20)

    def clean_file_number(self):
        return self.cleaned_data["file_number"].strip()


class ImportForm(Form):
    file = forms.FileField(label="纳入名单（Excel 文件，不超过5MB）")

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if not upload.name.lower().endswith(".xlsx"):
            raise forms.ValidationError("请上传 Excel 文件；可先下载模板填写。")
        if upload.size > MAX_UPLOAD:
            raise forms.ValidationError("文件不能超过5MB；名单较长的，请分批导入。")
        return upload


class HouseholdEnrolForm(Form):
    """The household file's 纳入项目: the plans it may be enrolled into, and the member."""

    project = forms.ChoiceField(label="帮扶项目")
    person = forms.ChoiceField(label="受助成员", required=False)

    def __init__(self, data=None, *, plans, members, **kwargs):
        super().__init__(data, **kwargs)
        self.fields["project"].choices = [
            ("", "（请选择）"),
            *(
                (str(p.pk), f"{p.code} {p.title}{'（彩票公益金资助）' if p.lottery_funded else ''}")
                for p in plans
            ),
        ]
        self.fields["person"].choices = [("", "按项目条件确定"), *((str(m.pk), m.name) for m in members)]


class ReasonForm(Form):
    reason = forms.CharField(label="原因", max_length=200, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, data=None, *, required: bool, **kwargs):
        super().__init__(data, **kwargs)
        self.fields["reason"].required = required
        if not required:
            self.fields["reason"].label = "原因（可不填）"
