"""config.urls as bench/web.py serves it (AJAR_BENCH_FLOOR on)."""

from django.urls import include, path

from config.urls import urlpatterns as app_urlpatterns

urlpatterns = [*app_urlpatterns, path("bench/floor/", include("bench.urls"))]
