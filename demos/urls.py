"""Demo pages, mounted at /demos/ (run URLs use the UUID so runs cannot be enumerated)."""

from django.urls import path

from demos import views

app_name = "demos"
urlpatterns = [
    path("", views.index, name="index"),
    path("runs/<uuid:run_id>/", views.run_detail, name="run_detail"),
    path("runs/<uuid:run_id>.json", views.run_json, name="run_json"),
    path("<str:key>/", views.detail, name="detail"),
    path("<str:key>/runs/", views.run_create, name="run_create"),
]
