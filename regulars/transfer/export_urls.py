from django.urls import path

from regulars.transfer import export_views

app_name = "exports"

urlpatterns = [
    path("", export_views.export_list, name="list"),
    path("new/", export_views.export_new, name="new"),
    path("<int:export_id>/row/", export_views.export_row, name="row"),
    path("<str:token>/", export_views.export_download, name="download"),
]
