from django.urls import path

from inbox import views

app_name = "inbox"

urlpatterns = [
    path("", views.inbox_list, name="list"),
    path("upload/", views.inbox_upload, name="upload"),
    path("spread/", views.drafts_spread, name="spread"),
    path("address/regenerate/", views.address_regenerate, name="address_regenerate"),
    path("<int:pk>/", views.draft_detail, name="detail"),
    path("<int:pk>/confirm/", views.draft_confirm, name="confirm"),
    path("<int:pk>/not-a-rejection/", views.draft_dismiss, name="dismiss"),
    path("<int:pk>/add-stage/", views.draft_add_stage, name="add_stage"),
    path("<int:pk>/message.eml", views.raw_download, name="raw_download"),
    path("attachments/<int:pk>/", views.attachment_download, name="attachment_download"),
]
