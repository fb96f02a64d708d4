"""Accounts URLs, mounted at /accounts/; workspace-scoped pages live under w/<ws>/.

``patterns`` takes the services that create a workspace (the top URL map passes
``fanloop.flows.workspaces``' ones, which add the default flow): accounts imports no
higher app."""

from __future__ import annotations

from django.urls import URLPattern, path

from fanloop.accounts import views
from fanloop.accounts.services import SignUpService, WorkspaceService

app_name = "accounts"


def patterns(*, sign_up: SignUpService, create_workspace: WorkspaceService) -> list[URLPattern]:
    """The accounts routes; the sign-up and "new workspace" views create through these."""
    return [
        path("signup/", views.signup, name="signup"),
        path("signup/sent/", views.signup_sent, name="signup_sent"),
        path(
            "signup/finish/<str:token>/",
            views.signup_finish,
            {"sign_up": sign_up},
            name="signup_finish",
        ),
        path("login/", views.LoginView.as_view(), name="login"),
        path("logout/", views.LogoutView.as_view(), name="logout"),
        path("password/", views.PasswordChangeView.as_view(), name="password_change"),
        path("password/reset/", views.PasswordResetView.as_view(), name="password_reset"),
        path(
            "password/reset/sent/",
            views.PasswordResetDoneView.as_view(),
            name="password_reset_done",
        ),
        path(
            "password/reset/<uidb64>/<token>/",
            views.PasswordResetConfirmView.as_view(),
            name="password_reset_confirm",
        ),
        path(
            "password/reset/complete/",
            views.PasswordResetCompleteView.as_view(),
            name="password_reset_complete",
        ),
        path(
            "workspaces/",
            views.workspaces,
            {"create_workspace": create_workspace},
            name="workspaces",
        ),
        path("invite/<str:token>/", views.accept_invitation, name="accept_invitation"),
        path("w/<slug:ws>/settings/", views.workspace_settings, name="workspace_settings"),
        path("w/<slug:ws>/members/", views.members, name="members"),
        path("w/<slug:ws>/members/invite/", views.invite, name="invite"),
        path("w/<slug:ws>/members/<int:member_id>/role/", views.change_role, name="change_role"),
        path(
            "w/<slug:ws>/members/<int:member_id>/remove/", views.remove_member, name="remove_member"
        ),
        path("w/<slug:ws>/leave/", views.leave, name="leave"),
        path(
            "w/<slug:ws>/invitations/<int:invitation_id>/resend/",
            views.resend_invitation,
            name="resend_invitation",
        ),
        path(
            "w/<slug:ws>/invitations/<int:invitation_id>/revoke/",
            views.revoke_invitation,
            name="revoke_invitation",
        ),
    ]
