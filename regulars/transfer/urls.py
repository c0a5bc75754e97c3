from django.urls import path

from regulars.transfer import views

app_name = "transfer"

urlpatterns = [
    path("", views.import_list, name="list"),
    path("help/", views.import_help, name="help"),
    path("sample.csv", views.import_sample, name="sample"),
    path("<int:import_id>/", views.import_detail, name="detail"),
    path("<int:import_id>/status/", views.import_status, name="status"),
    path("<int:import_id>/remap/", views.import_remap, name="remap"),
    path("<int:import_id>/mapping/", views.mapping_save, name="mapping-save"),
    path("<int:import_id>/start/", views.import_start, name="start"),
    path("<int:import_id>/undo/", views.import_undo, name="undo"),
    path("<int:import_id>/rejected.csv", views.import_rejected, name="rejected"),
]
