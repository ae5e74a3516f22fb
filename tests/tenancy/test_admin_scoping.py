"""ProjectScopedAdmin: membership decides what a user sees, django-guardian grants add single objects."""

import pytest
from django.contrib.admin import AdminSite
from django.contrib.messages.middleware import MessageMiddleware
from django.core.exceptions import PermissionDenied
from django.test import RequestFactory
from guardian.shortcuts import assign_perm

from aistrale.tenancy.admin_scoping import ProjectScopedAdmin
from aistrale.tenancy.models import Role
from prompts.models import Prompt
from tests.query_counts import assert_queries_constant, rows_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def prompt_admin():
    return ProjectScopedAdmin(Prompt, AdminSite())


@pytest.fixture
def prompts(project, other_project):
    return {
        "mine": Prompt.objects.create(project=project, name="mine"),
        "theirs": Prompt.objects.create(project=other_project, name="theirs"),
        "granted": Prompt.objects.create(project=other_project, name="granted"),
    }


def _request(user, path="/admin/prompts/prompt/"):
    request = RequestFactory().get(path)
    request.user = user
    request.session = {}
    MessageMiddleware(lambda request: None).process_request(request)
    return request


def _changelist_names(prompt_admin, user) -> set[str]:
    response = prompt_admin.changelist_view(_request(user))
    return {prompt.name for prompt in response.context_data["cl"].result_list}


def test_member_sees_only_their_projects_rows(prompt_admin, prompts, member):
    assert _changelist_names(prompt_admin, member) == {"mine"}


def test_guardian_grant_adds_one_object_of_another_project(prompt_admin, prompts, member):
    assign_perm("prompts.view_prompt", member, prompts["granted"])
    assert _changelist_names(prompt_admin, member) == {"mine", "granted"}
    assert prompt_admin.has_view_permission(_request(member), prompts["granted"])
    assert not prompt_admin.has_change_permission(_request(member), prompts["granted"])
    assert not prompt_admin.has_view_permission(_request(member), prompts["theirs"])


def test_grant_of_change_permission_allows_editing_that_object(prompt_admin, prompts, member):
    assign_perm("prompts.view_prompt", member, prompts["granted"])
    assign_perm("prompts.change_prompt", member, prompts["granted"])
    assert prompt_admin.has_change_permission(_request(member), prompts["granted"])


def test_organization_membership_covers_its_projects(prompt_admin, prompts, organization, make_user):
    org_admin = make_user("orgadmin", organization=organization, role=Role.ADMIN)
    assert _changelist_names(prompt_admin, org_admin) == {"mine"}


def test_viewer_may_look_but_not_change(prompt_admin, prompts, project, make_user):
    request = _request(make_user("viewer", project=project, role=Role.VIEWER))
    assert prompt_admin.has_view_permission(request, prompts["mine"])
    assert not prompt_admin.has_change_permission(request, prompts["mine"])
    assert not prompt_admin.has_add_permission(request)


def test_annotator_sees_nothing_of_the_project_but_what_is_granted(prompt_admin, prompts, project, make_user):
    annotator = make_user("annotator", project=project, role=Role.ANNOTATOR)
    assert not prompt_admin.has_module_permission(_request(annotator))
    assert not prompt_admin.has_view_permission(_request(annotator), prompts["mine"])

    granted = Prompt.objects.create(project=project, name="granted to the annotator")
    assign_perm("prompts.view_prompt", annotator, granted)
    annotator = type(annotator).objects.get(pk=annotator.pk)
    assert prompt_admin.has_module_permission(_request(annotator))
    assert _changelist_names(prompt_admin, annotator) == {"granted to the annotator"}
    assert not prompt_admin.has_change_permission(_request(annotator), granted)


def test_user_without_membership_has_no_module(prompt_admin, prompts, make_user):
    stranger = make_user("stranger")
    assert not prompt_admin.has_module_permission(_request(stranger))


def test_only_owners_and_admins_manage_grants(prompt_admin, prompts, member, project_admin):
    with pytest.raises(PermissionDenied):
        prompt_admin.obj_perms_manage_view(_request(member), prompts["mine"].pk)
    prompt_admin._require_grant_manager(_request(project_admin), prompts["mine"].pk)


def test_changelist_query_count_does_not_grow(prompt_admin, project, member):

    prompts = rows_of(lambda index: Prompt.objects.create(project=project, name=f"p{index}"))
    assert assert_queries_constant(lambda: prompt_admin.changelist_view(_request(member)), prompts, more=30) <= 12
