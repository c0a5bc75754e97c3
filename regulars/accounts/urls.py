from django.contrib.auth import views as auth_views
from django.urls import path, reverse_lazy

from regulars.accounts import views

app_name = "accounts"

urlpatterns = [
    path("login/", views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("verify/", views.verify, name="verify"),
    path("2fa/", views.two_factor, name="2fa"),
    path("2fa/setup/", views.two_factor_setup, name="2fa-setup"),
    path("2fa/disable/", views.two_factor_disable, name="2fa-disable"),
    path(
        "password/",
        auth_views.PasswordChangeView.as_view(
            template_name="accounts/password_change.html",
            success_url=reverse_lazy("accounts:password-changed"),
        ),
        name="password-change",
    ),
    path(
        "password/done/",
        auth_views.PasswordChangeDoneView.as_view(template_name="accounts/password_changed.html"),
        name="password-changed",
    ),
    path(
        "reset/",
        auth_views.PasswordResetView.as_view(
            template_name="accounts/reset.html",
            email_template_name="accounts/email/reset.txt",
            subject_template_name="accounts/email/reset_subject.txt",
            success_url=reverse_lazy("accounts:reset-sent"),
        ),
        name="reset",
    ),
    path(
        "reset/sent/",
        auth_views.PasswordResetDoneView.as_view(template_name="accounts/reset_sent.html"),
        name="reset-sent",
    ),
    path(
        "reset/<uidb64>/<token>/",
        auth_views.PasswordResetConfirmView.as_view(
            template_name="accounts/reset_confirm.html",
            success_url=reverse_lazy("accounts:reset-done"),
        ),
        name="reset-confirm",
    ),
    path(
        "reset/done/",
        auth_views.PasswordResetCompleteView.as_view(template_name="accounts/reset_done.html"),
        name="reset-done",
    ),
    path("invite/<str:token>/", views.invitation_accept, name="invite"),
]
