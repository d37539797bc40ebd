from django.urls import path

from bench.floor import floor, layout

app_name = "bench"

urlpatterns = [
    path("", floor, name="floor"),
    path("layout/", layout, name="layout"),
]
