from django.urls import path

from portability.views import data, feeds, imports

app_name = "portability"

urlpatterns = [
    path("", data.data_index, name="index"),
    path("import/", imports.import_start, name="import_start"),
    path("import/<int:pk>/", imports.import_preview, name="import_preview"),
    path("export/applications.csv", data.export_applications_csv, name="export_applications"),
    path("export/contacts.csv", data.export_contacts_csv, name="export_contacts"),
    path("export/backup.zip", data.export_backup, name="export_backup"),
    path("restore/", data.restore, name="restore"),
    path("activity/", data.activity_log, name="activity"),
    path("delete-account/", data.account_delete_view, name="account_delete"),
    path("calendar/regenerate/", feeds.calendar_regenerate, name="calendar_regenerate"),
    path("calendar/<str:token>.ics", feeds.calendar_feed, name="calendar_feed"),
    path("reminders/<int:pk>.ics", feeds.reminder_ics, name="reminder_ics"),
    path("interviews/<int:pk>.ics", feeds.interview_ics, name="interview_ics"),
    path("contacts/<int:pk>.vcf", feeds.contact_vcard, name="contact_vcard"),
    path("contacts.vcf", feeds.contacts_vcard, name="contacts_vcard"),
]
