"""Scope: a permission held at an organisation reaches it and what is below it."""

from bangfu.orgs.scope import has_perm, has_perm_at, scope_for


def test_street_worker_reaches_only_their_street(cast, org):
    scope = scope_for(cast.intake_a, "registry.view")
    assert scope.allows(org("310105001").pk)
    assert not scope.allows(org("310105002").pk)
    assert not scope.allows(org("310105").pk)


def test_district_reaches_its_streets_and_no_other_district(cast, org):
    scope = scope_for(cast.district_cn, "registry.view")
    assert scope.allows(org("310105001").pk) and scope.allows(org("310105102").pk)
    assert not scope.allows(org("310101002").pk)


def test_foundation_bureau_and_city_auditor_reach_the_whole_city(cast):
    for user in (cast.foundation, cast.supervisor, cast.auditor_city):
        assert scope_for(user, "registry.view").city_wide


def test_system_admin_sees_no_personal_data(cast, org):
    assert not has_perm(cast.sysadmin, "registry.view")
    assert not has_perm_at(cast.sysadmin, "registry.view", org("310105001"))
    assert has_perm(cast.sysadmin, "users.manage")


def test_supervisor_and_auditor_never_write(cast):
    for user in (cast.supervisor, cast.auditor_city, cast.auditor_cn):
        for perm in ("registry.edit", "registry.merge", "policy.draft", "policy.publish"):
            assert not has_perm(user, perm), (user, perm)


def test_volunteer_sees_no_household(cast):
    assert not has_perm(cast.volunteer_a, "registry.view")


def test_new_street_is_in_its_districts_scope_at_once(cast, org):
    from bangfu.orgs.models import Organisation

    new = Organisation.objects.create(code="310105999", name="新设街道", kind="street", parent=org("310105"))
    assert scope_for(cast.district_cn, "registry.view").allows(new.pk)
