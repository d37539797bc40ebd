from django.contrib import admin

from contacts.models import Contact, Interaction


@admin.register(Contact)
class ContactAdmin(admin.ModelAdmin):
    list_display = ["name", "company", "role", "email", "user"]
    list_filter = ["role"]
    list_select_related = ["company", "user"]
    search_fields = ["name", "email", "company__name", "user__email"]
    raw_id_fields = ["user", "company", "applications"]
    show_full_result_count = False


@admin.register(Interaction)
class InteractionAdmin(admin.ModelAdmin):
    list_display = ["occurred_on", "channel", "user", "application"]
    list_filter = ["channel"]
    search_fields = ["summary", "user__email"]
    raw_id_fields = ["user", "contacts", "application"]
    show_full_result_count = False
