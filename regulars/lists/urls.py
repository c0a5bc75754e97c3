from django.urls import path

from regulars.lists import views

app_name = "lists"

urlpatterns = [
    path("bulk/", views.bulk, name="bulk"),
]
