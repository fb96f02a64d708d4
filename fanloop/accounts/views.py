"""Dashboard pages for accounts: sign-up, login, passwords, workspaces, members, invitations.

Views stay thin: they read forms, call ``services`` and turn ``AccountsError`` into messages.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Count
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse, reverse_lazy
from django.utils import timezone
from django.utils.http import urlencode
from django.views.decorators.http import require_POST, require_safe

from fanloop.accounts import forms, outbox, services, throttle
from fanloop.accounts.models import Invitation, Membership, Role, User, Workspace
from fanloop.accounts.permissions import workspace_view

MEMBERS_PER_PAGE = 50


def _user(request: HttpRequest) -> User:
    # Only called behind login_required / workspace_view, where the user is a real User.
    assert isinstance(request.user, User)
    return request.user


def dashboard_url(workspace: Workspace) -> str:
    return reverse("catalog:dashboard", kwargs={"ws": workspace.slug})


# --- sign-up, login, logout ---------------------------------------------------


class LoginView(auth_views.LoginView):
    template_name = "accounts/login.html"
    form_class = forms.LoginForm
    redirect_authenticated_user = True

    def get_default_redirect_url(self) -> str:
        # catalog's /dashboard/ picks the member's workspace (or sends them to create one).
        return reverse("catalog:home_dashboard")

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        return super().get_context_data(registration_open=settings.REGISTRATION_OPEN, **kwargs)


class LogoutView(auth_views.LogoutView):
    """POST only (Django refuses GET with 405), so a link or an image cannot log anyone out."""

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        response = super().post(request, *args, **kwargs)
        messages.info(request, "You are logged out.")
        return response


def _email_request_allowed(request: HttpRequest, scope: str, email: str) -> bool | None:
    """Count a request that emails ``email``: None when this client is over its limit (show
    the 429 page), False when the address had its share of emails this window (answer as
    usual, send nothing: its earlier links still work), True to queue the email."""
    ip = throttle.client_ip(request)
    if throttle.over(f"{scope}_ip", ip, settings.PASSWORD_RESET_LIMIT):
        return None
    throttle.hit(f"{scope}_ip", ip)
    if throttle.over(f"{scope}_to", email, throttle.RESET_EMAILS_PER_ADDRESS):
        return False
    throttle.hit(f"{scope}_to", email)
    return True


def signup(request: HttpRequest) -> HttpResponse:
    token = request.POST.get("invite") or request.GET.get("invite")
    if token:
        return _invited_signup(request, token)
    if request.user.is_authenticated:
        return redirect("accounts:workspaces")
    if not settings.REGISTRATION_OPEN:
        status = 403 if request.method == "POST" else 200
        return render(request, "accounts/signup_closed.html", status=status)
    form = forms.SignupForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        email = form.cleaned_data["email"]
        allowed = _email_request_allowed(request, "signup", email)
        if allowed is None:
            return throttle.too_many(request, "sign-up requests")
        if allowed:
            # The same row whether or not the address has an account: the worker decides
            # between "finish signing up" and "you already have an account".
            services.request_signup(email, form.cleaned_data["workspace_name"])
        return redirect("accounts:signup_sent")
    return render(request, "accounts/signup.html", {"form": form})


@require_safe
def signup_sent(request: HttpRequest) -> HttpResponse:
    return render(request, "accounts/signup_sent.html")


def signup_finish(
    request: HttpRequest, token: str, *, sign_up: services.SignUpService
) -> HttpResponse:
    """The emailed link: choose a password, and the account and its workspace exist
    (``sign_up``: given by the URL map, ``fanloop.flows.workspaces.sign_up``)."""
    if not settings.REGISTRATION_OPEN:
        status = 403 if request.method == "POST" else 200
        return render(request, "accounts/signup_closed.html", status=status)
    claim = outbox.read_signup_token(token)
    if claim is None:
        problem = "This sign-up link is not valid or has expired. Sign up again for a new one."
        return render(request, "accounts/signup_invalid.html", {"problem": problem}, status=410)
    email, workspace_name = claim
    if User.objects.filter(email=email).exists():
        messages.info(request, "This address already has an account: log in.")
        return redirect("accounts:login")
    form = forms.FinishSignupForm(request.POST or None, email=email)
    if request.method == "POST" and form.is_valid():
        try:
            result = sign_up(email, form.cleaned_data["password"], workspace_name)
        except services.EmailTaken:
            messages.info(request, "This address already has an account: log in.")
            return redirect("accounts:login")
        except ValidationError as error:
            form.add_error("password", error)
        except services.AccountsError as error:
            return render(
                request, "accounts/signup_invalid.html", {"problem": str(error)}, status=400
            )
        else:
            login(request, result.user, backend="django.contrib.auth.backends.ModelBackend")
            messages.success(request, f"Welcome to {settings.SITE_NAME}! Add your first artist.")
            return redirect(dashboard_url(result.workspace))
    context = {"form": form, "email": email, "workspace_name": workspace_name}
    return render(request, "accounts/signup_finish.html", context)


def _invitation_problem(request: HttpRequest, message: str, status: int) -> HttpResponse:
    return render(request, "accounts/invitation_invalid.html", {"problem": message}, status=status)


def _find_invitation(request: HttpRequest, token: str) -> Invitation | HttpResponse:
    """The invitation of ``token``, or the page to show: 429 once this client sent too
    many unknown links (even a right guess then looks the same), 404 for an unknown one."""
    ip = throttle.client_ip(request)
    if throttle.over("invitation_ip", ip, settings.INVITATION_FAILURE_LIMIT):
        return throttle.too_many(request, "invitation links that do not work")
    invitation = (
        Invitation.objects.select_related("workspace", "invited_by").filter(token=token).first()
    )
    if invitation is None:
        throttle.hit("invitation_ip", ip)
        return _invitation_problem(request, services.REVOKED_MESSAGE, 404)
    return invitation


def _invited_signup(request: HttpRequest, token: str) -> HttpResponse:
    invitation = _find_invitation(request, token)
    if isinstance(invitation, HttpResponse):
        return invitation
    accept_url = reverse("accounts:accept_invitation", args=[token])
    if request.user.is_authenticated or invitation.is_accepted():
        return redirect(accept_url)
    if invitation.is_expired():
        return redirect(accept_url)  # the invitation page explains expiry
    if User.objects.filter(email=invitation.email).exists():
        messages.info(request, "You already have an account: log in to accept the invitation.")
        return redirect(f"{reverse('accounts:login')}?{urlencode({'next': accept_url})}")
    form = forms.InvitedSignupForm(
        request.POST or None, initial={"invite": token}, email=invitation.email
    )
    if request.method == "POST" and form.is_valid():
        try:
            membership = services.sign_up_with_invitation(invitation, form.cleaned_data["password"])
        except ValidationError as error:
            form.add_error("password", error)
        except services.AccountsError as error:
            return _invitation_problem(request, str(error), 410)
        else:
            login(request, membership.user, backend="django.contrib.auth.backends.ModelBackend")
            messages.success(request, f"Welcome to {membership.workspace.name}!")
            return redirect(dashboard_url(membership.workspace))
    return render(request, "accounts/signup.html", {"form": form, "invitation": invitation})


# --- passwords ----------------------------------------------------------------


class PasswordResetView(auth_views.PasswordResetView):
    """Same answer, and the same work, whether or not the email has an account: the request
    only queues the address; a worker looks it up and sends the link (``outbox``)."""

    template_name = "accounts/password_reset_form.html"
    success_url = reverse_lazy("accounts:password_reset_done")

    def form_valid(self, form: Any) -> HttpResponse:
        email = services.normalize_email(form.cleaned_data["email"])
        allowed = _email_request_allowed(self.request, "reset", email)
        if allowed is None:
            return throttle.too_many(self.request, "password reset requests")
        if allowed:
            services.request_password_reset(email)
        return HttpResponseRedirect(self.get_success_url())


class PasswordResetDoneView(auth_views.PasswordResetDoneView):
    template_name = "accounts/password_reset_done.html"


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    template_name = "accounts/password_reset_confirm.html"
    form_class = forms.NewPasswordForm
    success_url = reverse_lazy("accounts:password_reset_complete")
    # The emailed link proves the mailbox: it logs in even while the login form is locked
    # for this account, so failed guesses by others never lock the owner out.
    post_reset_login = True
    post_reset_login_backend = "django.contrib.auth.backends.ModelBackend"

    def form_valid(self, form: Any) -> HttpResponse:
        response = super().form_valid(form)
        services.forget_login_failures(form.user)
        return response


class PasswordResetCompleteView(auth_views.PasswordResetCompleteView):
    template_name = "accounts/password_reset_complete.html"


class PasswordChangeView(auth_views.PasswordChangeView):
    template_name = "accounts/password_change.html"
    form_class = forms.ChangePasswordForm
    success_url = reverse_lazy("accounts:workspaces")

    def form_valid(self, form: Any) -> HttpResponse:
        response = super().form_valid(form)
        messages.success(self.request, "Your password has been changed.")
        return response


# --- workspaces ---------------------------------------------------------------


@login_required
def workspaces(
    request: HttpRequest, *, create_workspace: services.WorkspaceService
) -> HttpResponse:
    """The member's workspaces, and a new one (``create_workspace``: given by the URL map,
    ``fanloop.flows.workspaces.create_workspace``)."""
    user = _user(request)
    form = forms.WorkspaceForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            workspace = create_workspace(form.cleaned_data["name"], user)
        except services.AccountsError as error:
            form.add_error("name", str(error))
        else:
            messages.success(request, f"Workspace {workspace.name} created.")
            return redirect(dashboard_url(workspace))
    memberships = (
        Membership.objects.filter(user=user)
        .select_related("workspace")
        .annotate(member_count=Count("workspace__memberships"))
        .order_by("workspace__name", "workspace__pk")
    )
    invitations = (
        Invitation.objects.filter(email=services.normalize_email(user.email))
        .filter(accepted_at__isnull=True)
        .exclude(workspace__memberships__user=user)
        .select_related("workspace")
        .order_by("-sent_at")
    )
    now = timezone.now()
    context = {
        "memberships": memberships,
        "invitations": [i for i in invitations if not i.is_expired(now)],
        "form": form,
    }
    return render(request, "accounts/workspaces.html", context)


@workspace_view(Role.OWNER)
def workspace_settings(request: HttpRequest, membership: Membership) -> HttpResponse:
    workspace = membership.workspace
    form = forms.WorkspaceForm(request.POST or None, initial={"name": workspace.name})
    if request.method == "POST" and form.is_valid():
        try:
            services.rename_workspace(workspace, form.cleaned_data["name"], by=_user(request))
        except services.AccountsError as error:
            form.add_error("name", str(error))
        else:
            messages.success(request, "Workspace renamed.")
            return redirect("accounts:workspace_settings", ws=workspace.slug)
    return render(request, "accounts/workspace_settings.html", {"form": form})


# --- members ------------------------------------------------------------------


def _members_page(
    request: HttpRequest,
    membership: Membership,
    invite_form: forms.InviteForm | None = None,
) -> HttpResponse:
    workspace = membership.workspace
    members = (
        Membership.objects.filter(workspace=workspace)
        .select_related("user")
        .order_by("user__email")
    )
    page = Paginator(members, MEMBERS_PER_PAGE).get_page(request.GET.get("page"))
    invitations = Invitation.objects.filter(
        workspace=workspace, accepted_at__isnull=True
    ).select_related("invited_by")
    is_owner = membership.can(Role.OWNER)
    context = {
        "page": page,
        "invitations": invitations.order_by("email"),
        "is_owner": is_owner,
        "invite_form": (invite_form or forms.InviteForm()) if is_owner else None,
        "roles": Role.choices,
        "now": timezone.now(),
        "ttl_days": settings.INVITATION_TTL_DAYS,
        "owner_count": members.filter(role=Role.OWNER).count(),
    }
    return render(request, "accounts/members.html", context)


@workspace_view(Role.VIEWER)
def members(request: HttpRequest, membership: Membership) -> HttpResponse:
    return _members_page(request, membership)


def _back_to_members(workspace: Workspace) -> HttpResponseRedirect:
    return redirect("accounts:members", ws=workspace.slug)


@require_POST
@workspace_view(Role.OWNER)
def invite(request: HttpRequest, membership: Membership) -> HttpResponse:
    workspace = membership.workspace
    form = forms.InviteForm(request.POST)
    if not form.is_valid():
        return _members_page(request, membership, form)
    email = form.cleaned_data["email"]
    try:
        services.invite_member(workspace, email, form.cleaned_data["role"], _user(request))
    except services.AccountsError as error:
        form.add_error("email", str(error))
        return _members_page(request, membership, form)
    except OSError as error:  # SMTP refused or unreachable: nothing was recorded
        form.add_error("email", f"The invitation email could not be sent ({error}). Try again.")
        return _members_page(request, membership, form)
    messages.success(request, f"Invitation sent to {email}.")
    return _back_to_members(workspace)


@require_POST
@workspace_view(Role.OWNER)
def change_role(request: HttpRequest, membership: Membership, member_id: int) -> HttpResponse:
    workspace = membership.workspace
    member = get_object_or_404(Membership, pk=member_id, workspace=workspace)
    form = forms.RoleForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Choose a role: owner, editor or viewer.")
        return _back_to_members(workspace)
    try:
        services.change_role(member, form.cleaned_data["role"], by=_user(request))
    except services.AccountsError as error:
        messages.error(request, str(error))
    else:
        role = Role(member.role).label.lower()
        messages.success(request, f"{member.user.email} is now {role}.")
    return _back_to_members(workspace)


@require_POST
@workspace_view(Role.OWNER)
def remove_member(request: HttpRequest, membership: Membership, member_id: int) -> HttpResponse:
    workspace = membership.workspace
    member = get_object_or_404(
        Membership.objects.select_related("user"), pk=member_id, workspace=workspace
    )
    user = _user(request)
    try:
        services.remove_member(member, by=user)
    except services.AccountsError as error:
        messages.error(request, str(error))
        return _back_to_members(workspace)
    if member.user_id == user.pk:
        messages.success(request, f"You left {workspace.name}.")
        return redirect("accounts:workspaces")
    messages.success(request, f"{member.user.email} was removed from {workspace.name}.")
    return _back_to_members(workspace)


@workspace_view(Role.VIEWER)
def leave(request: HttpRequest, membership: Membership) -> HttpResponse:
    """GET asks for confirmation (leaving locks you out); POST leaves."""
    workspace = membership.workspace
    if request.method != "POST":
        return render(request, "accounts/leave.html")
    try:
        services.leave_workspace(membership)
    except services.AccountsError as error:
        messages.error(request, str(error))
        return _back_to_members(workspace)
    messages.success(request, f"You left {workspace.name}.")
    return redirect("accounts:workspaces")


def _open_invitation(workspace: Workspace, invitation_id: int) -> Invitation:
    return get_object_or_404(
        Invitation, pk=invitation_id, workspace=workspace, accepted_at__isnull=True
    )


def _act_on_invitation(
    request: HttpRequest,
    membership: Membership,
    invitation_id: int,
    act: Callable[[Invitation, User], object],
    done: str,
) -> HttpResponse:
    """Run ``act`` (a service: invitation, by) on an open invitation of the workspace, say
    how it went (``done`` with ``{email}``, or the refusal) and go back to the members page."""
    workspace = membership.workspace
    invitation = _open_invitation(workspace, invitation_id)
    try:
        act(invitation, _user(request))
    except services.AccountsError as error:
        messages.error(request, str(error))
    except OSError as error:
        messages.error(request, f"The invitation email could not be sent ({error}). Try again.")
    else:
        messages.success(request, done.format(email=invitation.email))
    return _back_to_members(workspace)


@require_POST
@workspace_view(Role.OWNER)
def resend_invitation(
    request: HttpRequest, membership: Membership, invitation_id: int
) -> HttpResponse:
    done = "Invitation sent again to {email}."
    return _act_on_invitation(request, membership, invitation_id, services.resend_invitation, done)


@require_POST
@workspace_view(Role.OWNER)
def revoke_invitation(
    request: HttpRequest, membership: Membership, invitation_id: int
) -> HttpResponse:
    done = "Invitation for {email} revoked."
    return _act_on_invitation(request, membership, invitation_id, services.revoke_invitation, done)


# --- accepting an invitation --------------------------------------------------


def accept_invitation(request: HttpRequest, token: str) -> HttpResponse:
    """The page an invitation email links to; joining is a POST so link scanners cannot join."""
    invitation = _find_invitation(request, token)
    if isinstance(invitation, HttpResponse):
        return invitation
    user = request.user if isinstance(request.user, User) else None
    workspace = invitation.workspace
    if invitation.is_accepted():
        if user and Membership.objects.filter(workspace=workspace, user=user).exists():
            messages.info(request, f"You are already a member of {workspace.name}.")
            return redirect(dashboard_url(workspace))
        return _invitation_problem(request, "This invitation has already been used.", 410)
    if invitation.is_expired():
        problem = "This invitation has expired. Ask the person who invited you to send a new one."
        return _invitation_problem(request, problem, 410)
    context: dict[str, Any] = {"invitation": invitation}
    if user is None:
        login_url = f"{reverse('accounts:login')}?{urlencode({'next': request.path})}"
        if request.method == "POST":
            return redirect(login_url)
        context["login_url"] = login_url
        context["has_account"] = User.objects.filter(email=invitation.email).exists()
        return render(request, "accounts/invitation.html", context)
    if services.normalize_email(user.email) != invitation.email:
        context["wrong_user"] = True
        return render(request, "accounts/invitation.html", context, status=403)
    if request.method == "POST":
        try:
            membership = services.accept_invitation(invitation, user)
        except services.AccountsError as error:
            return _invitation_problem(request, str(error), 410)
        messages.success(request, f"You joined {membership.workspace.name}.")
        return redirect(dashboard_url(membership.workspace))
    return render(request, "accounts/invitation.html", context)
