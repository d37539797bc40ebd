from django.urls import path

from accounts import views

urlpatterns = [
    path("invite/<slug:token>/", views.invitation_accept, name="invitation_accept"),
]
