from django.urls import path

from reminders.views import rejections, reminders, settings

app_name = "reminders"

# Mounted at the site root (config/urls.py): the actions on an application that
# touch its circle-back keep their /applications/ paths.
urlpatterns = [
    path("applications/log-rejection/", rejections.rejection_log_view, name="log_rejection"),
    path(
        "applications/log-rejection/pickers/",
        rejections.rejection_log_pickers,
        name="log_rejection_pickers",
    ),
    path(
        "applications/log-rejection/letter/",
        rejections.rejection_log_letter,
        name="log_rejection_letter",
    ),
    path("applications/<int:pk>/logged/", rejections.rejection_logged, name="rejection_logged"),
    path("applications/<int:pk>/rejection/edit/", rejections.rejection_edit, name="rejection_edit"),
    path("applications/<int:pk>/reopen/", rejections.application_reopen_view, name="reopen"),
    path("applications/<int:pk>/mark-ghosted/", rejections.mark_ghosted, name="mark_ghosted"),
    path(
        "applications/<int:pk>/delete/",
        rejections.application_delete_view,
        name="application_delete",
    ),
    path("reminders/", reminders.reminder_list, name="list"),
    path("reminders/<int:pk>/done/", reminders.reminder_done_view, name="done"),
    path("reminders/<int:pk>/snooze/", reminders.reminder_snooze_view, name="snooze"),
    path("reminders/<int:pk>/dismiss/", reminders.reminder_dismiss_view, name="dismiss"),
    path("reminders/<int:pk>/retry/", reminders.reminder_retry_view, name="retry"),
    path("reminders/<int:pk>/applied-again/", reminders.reminder_reapply_view, name="reapply"),
    path(
        "reminders/failures/acknowledge/",
        reminders.failures_acknowledge,
        name="acknowledge_failures",
    ),
    path("reminders/test-email/", reminders.test_email_send, name="send_test"),
    path("reminders/note-preview/", reminders.note_preview, name="note_preview"),
    # Public: the signed token in the link authenticates (config/urls.py PUBLIC_URL_NAMES).
    path("reminders/email/<str:token>/", reminders.email_link, name="email_link"),
    path("reminders/unsubscribe/<str:token>/", reminders.unsubscribe, name="unsubscribe"),
]

# Settings and onboarding edit the reminder settings; their names stay short
# ("settings", "onboarding") since every page links to them.
account_urlpatterns = [
    path("settings/", settings.settings_view, name="settings"),
    path("welcome/", settings.onboarding, name="onboarding"),
    path("welcome/next/", settings.onboarding_next, name="onboarding_next"),
    path("welcome/import/", settings.import_soon, name="import_soon"),
]
