from django.urls import path

from contacts import views

app_name = "contacts"

urlpatterns = [
    path("", views.contact_list, name="list"),
    path("new/", views.contact_create, name="create"),
    path("options/", views.contact_options, name="options"),
    path("<int:pk>/", views.contact_detail, name="detail"),
    path("<int:pk>/edit/", views.contact_edit, name="edit"),
    path("<int:pk>/delete/", views.contact_delete, name="delete"),
    path("<int:pk>/merge/", views.contact_merge, name="merge"),
    path("conversations/new/", views.interaction_log, name="log_interaction"),
    path("conversations/<int:pk>/delete/", views.interaction_delete, name="interaction_delete"),
]
