"""A fresh database holds exactly `changning-2016`, 2016-07-01 to 2021-12-31, with the
numbers of 长民发〔2016〕31号 and the clause of each."""

from datetime import date

from bangfu.audit.models import AuditEntry
from bangfu.policy.models import Policy
from bangfu.policy.parameters import SPECS, builtin_policy
from bangfu.policy.selectors import policy_in_force

# parameter -> (value, clause, generally), read from the document, not from the data file.
CHANGNING_2016 = {
    "residency.requires_residence": ("true", "三", False),
    "residency.requires_hukou": ("true", "三", False),
    "residency.non_local_spouse_or_child": ("true", "三", False),
    "medical.rate.dibao": ("0.60", "三(一)1", False),
    "medical.rate.low_income": ("0.50", "三(一)2", False),
    "medical.rate.other": ("0.40", "三(一)3", False),
    "medical.regular_hospital_only": ("true", "四(一)", False),
    "medical.invoice_window_years": ("1", "四(一)", False),
    "medical.excluded_fee_types": ("nursing,nutrition", "四(一)", False),
    "insurance_supplement.categories": ("dibao,low_income", "三(二)", False),
    "insurance_supplement.conditions": ("serious_illness,lost_work_capacity", "三(二)", False),
    "insurance_supplement.rate": ("0.50", "三(二)", False),
    "emergency.events": ("fire,drowning,traffic,other_major", "三(三)", False),
    "emergency.conditions": ("casualty_or_major_loss", "三(三)", False),
    "emergency.max_amount": ("20000.00", "三(三)", True),
    "annual.max_events": ("2", "三(四)", True),
    "annual.max_amount": ("80000.00", "三(四)", False),
    # Which forms of aid (SPEC §4) each cap counts: 次数 case aid; 累计资金 case and project aid.
    "annual.max_events.forms": ("case", "三(四)", False),
    "annual.max_amount.forms": ("case,project", "三(四)", False),
    "approval.street_limit": ("20000.00", "四(三)", False),
    "panel.min_members": ("7", "四(三)", True),
    "funds.work_expense_rate.directed": ("0.10", "五.3", False),
    "funds.work_expense_rate.non_directed": ("0.05", "五.3", False),
}


def test_a_fresh_database_holds_exactly_changning_2016(db):
    assert list(Policy.objects.values_list("code", flat=True)) == ["changning-2016"]
    policy = Policy.objects.get()
    assert (policy.district.code, policy.valid_from, policy.valid_to) == (
        "310105",
        date(2016, 7, 1),
        date(2021, 12, 31),
    )
    assert policy.status == "published" and policy.builtin
    assert policy.document == "长民发〔2016〕31号"


def test_its_parameters_are_the_numbers_of_the_document(db):
    loaded = {
        v.name: (v.value, v.reference, v.generally)
        for v in Policy.objects.get(code="changning-2016").values.all()
        if v.start == date(2016, 7, 1)
    }
    assert loaded == {
        name: (value, f"长民发〔2016〕31号 {clause}", g)
        for name, (value, clause, g) in CHANGNING_2016.items()
    }
    assert Policy.objects.get().values.count() == len(CHANGNING_2016)


def test_every_required_parameter_is_set():
    names = {v.name for v in builtin_policy("changning-2016").values}
    assert {s.name for s in SPECS if s.required} <= names


def test_policy_in_force(db):
    assert policy_in_force("310105", date(2016, 7, 1)).code == "changning-2016"
    assert policy_in_force("310105", date(2021, 12, 31)).code == "changning-2016"
    assert policy_in_force("310105", date(2016, 6, 30)) is None
    assert policy_in_force("310105", date(2022, 1, 1)) is None
    assert policy_in_force("310101", date(2020, 1, 1)) is None


def test_loading_it_is_in_the_audit_log(db):
    entry = AuditEntry.objects.get(target_type="policy.policy", action="publish")
    assert entry.actor_label == "system:migration"
    assert entry.after["code"] == "changning-2016"
    assert len(entry.after["values"]) == len(CHANGNING_2016)
