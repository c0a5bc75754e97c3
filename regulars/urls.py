from django.urls import include, path

from regulars.accounts import views as account_views
from regulars.api import api
from regulars.core import views as core_views
from regulars.history.urls import service_patterns
from regulars.transfer import export_views

urlpatterns = [
    path("", account_views.home, name="home"),
    path("health", core_views.health, name="health"),
    path("setup/", account_views.first_run, name="first-run"),
    path("accounts/", include("regulars.accounts.urls")),
    path("settings/", include("regulars.tenancy.urls")),
    path("settings/", include("regulars.accounts.settings_urls")),
    path("settings/audit/", include("regulars.audit.urls")),
    path("settings/categories/", include("regulars.customers.category_urls")),
    path("settings/custom-fields/", include("regulars.customers.custom_field_urls")),
    path("settings/services/", include(service_patterns)),
    path("jobs/", include("regulars.jobs.urls")),
    path("customers/", include("regulars.lists.urls")),
    path("customers/", include("regulars.customers.urls")),
    path("customers/", include("regulars.history.urls")),
    path("reminders/", include("regulars.customers.reminder_urls")),
    path("imports/", include("regulars.transfer.urls")),
    path("exports/", include("regulars.transfer.export_urls")),
    path("settings/data-log/", export_views.data_log_page, name="data-log"),
    path("api/v1/", api.urls),
]

handler403 = "regulars.core.views.forbidden"
handler404 = "regulars.core.views.not_found"
handler500 = "regulars.core.views.server_error"
