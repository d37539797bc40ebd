from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from reminders.models import Heartbeat, Reminder, ReminderSettings, ReminderStatus
from reminders.services import UNSENT_STATUSES, reminder_cancel, reminder_retry


@admin.register(ReminderSettings)
class ReminderSettingsAdmin(admin.ModelAdmin):
    list_display = ["user", "cooling_off_days", "send_time", "email_enabled"]
    list_filter = ["email_enabled"]
    search_fields = ["user__email"]
    raw_id_fields = ["user"]
    show_full_result_count = False


@admin.register(Reminder)
class ReminderAdmin(admin.ModelAdmin):
    # Deactivating a user (User admin, "active" unticked) stops their reminders:
    # the engine never claims an inactive user's rows.
    list_display = ["application", "user", "kind", "status", "due_at", "attempts", "sent_at"]
    actions = ["retry", "cancel"]
    list_filter = ["status", "kind"]
    list_select_related = ["application", "application__company", "user"]
    search_fields = ["user__email", "application__company__name", "application__role"]
    raw_id_fields = ["user", "application", "rejection"]
    readonly_fields = ["claim_token", "claimed_at", "lease_expires_at", "created_at", "updated_at"]
    show_full_result_count = False

    @admin.action(description=gettext_lazy("Retry sending the selected failed reminders"))
    def retry(self, request: HttpRequest, queryset: QuerySet[Reminder]) -> None:
        failed = list(queryset.filter(status=ReminderStatus.FAILED))
        for reminder in failed:
            reminder_retry(reminder=reminder)
        skipped = queryset.count() - len(failed)
        self.message_user(
            request,
            _("%(n)d scheduled to be sent again; %(skipped)d skipped (not failed).")
            % {"n": len(failed), "skipped": skipped},
            messages.SUCCESS,
        )

    @admin.action(description=gettext_lazy("Cancel the selected unsent reminders"))
    def cancel(self, request: HttpRequest, queryset: QuerySet[Reminder]) -> None:
        cancelled = skipped = 0
        for reminder in queryset.select_related("application"):
            if reminder.status not in UNSENT_STATUSES:
                skipped += 1
                continue
            try:
                with transaction.atomic():
                    reminder_cancel(application=reminder.application)
            except ValidationError:
                skipped += 1  # being sent right now
            else:
                cancelled += 1
        self.message_user(
            request,
            _("%(n)d cancelled; %(skipped)d skipped (already sent, resolved or being sent).")
            % {"n": cancelled, "skipped": skipped},
            messages.SUCCESS,
        )


@admin.register(Heartbeat)
class HeartbeatAdmin(admin.ModelAdmin):
    list_display = ["name", "beat_at"]
