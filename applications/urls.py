from django.urls import path

from applications.views import applications, stats

app_name = "applications"

urlpatterns = [
    path("", applications.application_list, name="list"),
    path("<int:pk>/", applications.application_detail, name="detail"),
    path("log-rejection/", applications.rejection_log_view, name="log_rejection"),
    path("stats/", stats.stats, name="stats"),
]
