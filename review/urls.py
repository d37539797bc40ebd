from django.urls import path

from review.views import applications, companies, stats

app_name = "review"

# Mounted at the site root (config/urls.py), beside the applications app's paths.
urlpatterns = [
    path("applications/<int:pk>/", applications.application_detail, name="application"),
    path("applications/stats/", stats.stats, name="stats"),
    path("applications/companies/", companies.company_list, name="company_list"),
    path("applications/companies/<int:pk>/", companies.company_detail, name="company_detail"),
    path(
        "applications/companies/<int:pk>/rename/",
        companies.company_rename,
        name="company_rename",
    ),
    path("applications/companies/<int:pk>/merge/", companies.company_merge, name="company_merge"),
    path(
        "applications/companies/<int:pk>/delete/",
        companies.company_delete,
        name="company_delete",
    ),
]
