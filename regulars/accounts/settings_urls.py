from django.urls import path

from regulars.accounts import settings_views as views

app_name = "staff"

urlpatterns = [
    path("staff/", views.staff_list, name="list"),
    path("staff/invite/", views.invitation_create, name="invite"),
    path("staff/<int:membership_id>/", views.staff_edit, name="edit"),
    path(
        "invitations/<int:invitation_id>/revoke/", views.invitation_revoke, name="invitation-revoke"
    ),
    path(
        "invitations/<int:invitation_id>/resend/", views.invitation_resend, name="invitation-resend"
    ),
    path("api-keys/", views.api_key_list, name="api-keys"),
    path("api-keys/<int:api_key_id>/revoke/", views.api_key_revoke, name="api-key-revoke"),
]
