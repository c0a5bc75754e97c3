"""Login, two-factor, invitations and the first-run page."""

from __future__ import annotations

import base64

import segno
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST
from django_otp import login as otp_login
from django_otp import match_token, user_has_device

from regulars.accounts.forms import FirstRunForm, InvitationAcceptForm, LoginForm, TokenForm
from regulars.accounts.invitations import invitation_accept as accept_invitation
from regulars.accounts.invitations import invitation_by_token
from regulars.accounts.selectors import login_exists
from regulars.accounts.services import first_run_setup
from regulars.accounts.two_factor import totp_confirm, totp_device_for_setup, totp_disable
from regulars.core.errors import DomainError, NotFound
from regulars.tenancy.middleware import SESSION_ORG_KEY
from regulars.tenancy.second_factor import is_owner_anywhere
from regulars.tenancy.selectors import organizations_exist


def home(request: HttpRequest) -> HttpResponse:
    if not organizations_exist():
        return redirect("first-run")
    if not request.user.is_authenticated:
        return redirect("accounts:login")
    return redirect("customers:list")


def first_run(request: HttpRequest) -> HttpResponse:
    """Only while no organization exists: creates the first owner and organization."""
    if organizations_exist():
        return redirect("home")
    form = FirstRunForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            data = form.cleaned_data
            user, _org = first_run_setup(
                org_name=data["org_name"],
                time_zone=data["time_zone"],
                country=data["country"],
                currency=data["currency"],
                name=data["name"],
                email=data["email"],
                password=data["password"],
            )
        except DomainError as exc:
            form.add_domain_error(exc)
        else:
            login(request, user, backend="django.contrib.auth.backends.ModelBackend")
            messages.success(request, "Welcome! Owners protect their login with a second step.")
            return redirect("accounts:2fa-setup")
    return render(request, "accounts/first_run.html", {"form": form})


class LoginView(auth_views.LoginView):
    template_name = "accounts/login.html"
    authentication_form = LoginForm
    redirect_authenticated_user = True


def _next_url(request: HttpRequest) -> str:
    target = request.POST.get("next") or request.GET.get("next") or "/"
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return "/"
    return target


@login_required
def verify(request: HttpRequest) -> HttpResponse:
    """The second step of login for anyone with a confirmed authenticator."""
    if request.user.is_verified() or not user_has_device(request.user):  # type: ignore[union-attr]
        return redirect(_next_url(request))
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        device = match_token(request.user, form.cleaned_data["token"].strip())
        if device is not None:
            otp_login(request, device)
            return redirect(_next_url(request))
        form.add_error("token", "That code is not right, or it expired. Try the current one.")
    return render(request, "accounts/verify.html", {"form": form, "next": _next_url(request)})


@login_required
def two_factor(request: HttpRequest) -> HttpResponse:
    enabled = user_has_device(request.user)
    return render(
        request,
        "accounts/two_factor.html",
        {"enabled": enabled, "form": TokenForm(), "must_keep": is_owner_anywhere(request.user)},
    )


@login_required
def two_factor_setup(request: HttpRequest) -> HttpResponse:
    """Shows a QR code and the secret; the first correct code confirms the device."""
    if user_has_device(request.user):
        return redirect("accounts:2fa")
    device = totp_device_for_setup(user=request.user)  # type: ignore[arg-type]
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if totp_confirm(user=request.user, device=device, token=form.cleaned_data["token"]):  # type: ignore[arg-type]
            otp_login(request, device)
            messages.success(request, "Two-factor sign-in is on.")
            return redirect("home")
        form.add_error("token", "That code is not right. Check the time on your phone and retry.")
    # omitsize: a viewBox instead of a fixed size, so CSS scales the code rather than crops it.
    qr = segno.make(device.config_url, error="m").svg_inline(scale=5, omitsize=True)
    secret_b32 = base64.b32encode(device.bin_key).decode().rstrip("=")
    return render(
        request,
        "accounts/two_factor_setup.html",
        {
            "form": form,
            "qr": qr,
            "secret": secret_b32,
            "required": bool(request.GET.get("required")),
        },
    )


@login_required
@require_POST
def two_factor_disable(request: HttpRequest) -> HttpResponse:
    form = TokenForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Enter the current 6-digit code to turn two-factor sign-in off.")
        return redirect("accounts:2fa")
    try:
        totp_disable(user=request.user, token=form.cleaned_data["token"])  # type: ignore[arg-type]
    except DomainError as exc:
        messages.error(request, exc.detail)
    else:
        messages.success(request, "Two-factor sign-in is off.")
    return redirect("accounts:2fa")


def invitation_accept(request: HttpRequest, token: str) -> HttpResponse:
    try:
        invitation = invitation_by_token(token)
    except NotFound as exc:
        return render(
            request, "accounts/invitation_invalid.html", {"detail": exc.detail}, status=404
        )
    user = request.user if request.user.is_authenticated else None
    if user is None and login_exists(invitation.email):
        messages.info(request, f"Log in as {invitation.email} to accept the invitation.")
        return redirect(f"/accounts/login/?next=/accounts/invite/{token}/")
    form = InvitationAcceptForm(request.POST or None) if user is None else None
    if request.method == "POST" and (form is None or form.is_valid()):
        data = form.cleaned_data if form is not None else {}
        try:
            user, org = accept_invitation(
                token=token,
                user=user,
                name=data.get("name", ""),
                password=data.get("password", ""),
            )
        except DomainError as exc:
            if form is None:
                messages.error(request, exc.detail)
                return redirect("home")
            form.add_domain_error(exc)
        else:
            if not request.user.is_authenticated:
                login(request, user, backend="django.contrib.auth.backends.ModelBackend")
            request.session[SESSION_ORG_KEY] = org.pk
            messages.success(request, f"Welcome to {org.name}.")
            return redirect("home")
    return render(
        request, "accounts/invitation_accept.html", {"invitation": invitation, "form": form}
    )
