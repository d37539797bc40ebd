from django.urls import path

from reminders import views

app_name = "reminders"

urlpatterns = [
    path("", views.reminder_list, name="list"),
    path("<int:pk>/done/", views.reminder_done_view, name="done"),
    path("<int:pk>/snooze/", views.reminder_snooze_view, name="snooze"),
    path("<int:pk>/dismiss/", views.reminder_dismiss_view, name="dismiss"),
    path("<int:pk>/retry/", views.reminder_retry_view, name="retry"),
    path("<int:pk>/applied-again/", views.reminder_reapply_view, name="reapply"),
    path("failures/acknowledge/", views.failures_acknowledge, name="acknowledge_failures"),
    path("test-email/", views.test_email_send, name="send_test"),
    path("note-preview/", views.note_preview, name="note_preview"),
    # Public: the signed token in the link authenticates (config/urls.py PUBLIC_URL_NAMES).
    path("email/<str:token>/", views.email_link, name="email_link"),
    path("unsubscribe/<str:token>/", views.unsubscribe, name="unsubscribe"),
]
