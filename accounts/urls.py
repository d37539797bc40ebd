from django.urls import path

from accounts import views

urlpatterns = [
    path("settings/", views.settings_view, name="settings"),
    path("welcome/", views.onboarding, name="onboarding"),
    path("invite/<str:token>/", views.invitation_accept, name="invitation_accept"),
]
