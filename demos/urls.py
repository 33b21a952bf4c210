"""Demo pages."""

app_name = "demos"
urlpatterns: list = []
