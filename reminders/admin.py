from django.contrib import admin

from reminders.models import Heartbeat, Reminder, ReminderSettings


@admin.register(ReminderSettings)
class ReminderSettingsAdmin(admin.ModelAdmin):
    list_display = ["user", "cooling_off_days", "send_time", "email_enabled"]
    list_filter = ["email_enabled"]
    search_fields = ["user__email"]
    raw_id_fields = ["user"]
    show_full_result_count = False


@admin.register(Reminder)
class ReminderAdmin(admin.ModelAdmin):
    list_display = ["application", "user", "kind", "status", "due_at", "attempts", "sent_at"]
    list_filter = ["status", "kind"]
    list_select_related = ["application", "application__company", "user"]
    search_fields = ["user__email", "application__company__name", "application__role"]
    raw_id_fields = ["user", "application", "rejection"]
    readonly_fields = ["claim_token", "claimed_at", "lease_expires_at", "created_at", "updated_at"]
    show_full_result_count = False


@admin.register(Heartbeat)
class HeartbeatAdmin(admin.ModelAdmin):
    list_display = ["name", "beat_at"]
