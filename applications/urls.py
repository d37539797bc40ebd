from django.urls import path

from applications import views

app_name = "applications"

urlpatterns = [
    path("", views.application_list, name="list"),
    path("<int:pk>/", views.application_detail, name="detail"),
    path("log-rejection/", views.rejection_log_view, name="log_rejection"),
    path("stats/", views.stats, name="stats"),
]
