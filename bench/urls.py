from django.urls import path

from bench.floor import floor

app_name = "bench"

urlpatterns = [path("", floor, name="floor")]
