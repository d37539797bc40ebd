from django.urls import path

from accounts import views

urlpatterns = [
    path("settings/", views.settings_view, name="settings"),
    path("welcome/", views.onboarding, name="onboarding"),
    path("welcome/next/", views.onboarding_next, name="onboarding_next"),
    path("welcome/import/", views.import_soon, name="import_soon"),
    path("invite/<slug:token>/", views.invitation_accept, name="invitation_accept"),
]
