from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest

from applications.models import Application, Attachment, Company, Rejection, StageEvent
from applications.services import application_search_refresh


@admin.register(Company)
class CompanyAdmin(admin.ModelAdmin):
    list_display = ["name", "user", "website", "created_at"]
    search_fields = ["name", "user__email"]
    raw_id_fields = ["user"]
    show_full_result_count = False

    def save_model(self, request, obj, form, change) -> None:
        super().save_model(request, obj, form, change)
        application_search_refresh(companies=[obj])


class StageEventInline(admin.TabularInline):
    model = StageEvent
    extra = 0


@admin.register(Application)
class ApplicationAdmin(admin.ModelAdmin):
    list_display = ["role", "company", "user", "current_stage", "furthest_stage", "outcome"]
    list_filter = ["outcome", "current_stage", "furthest_stage", "source"]
    list_select_related = ["company", "user"]
    search_fields = ["role", "company__name", "user__email"]
    raw_id_fields = ["user", "company"]
    inlines = [StageEventInline]
    show_full_result_count = False

    def save_model(self, request, obj, form, change) -> None:
        super().save_model(request, obj, form, change)
        application_search_refresh(application_ids=[obj.pk])


class AttachmentInline(admin.TabularInline):
    """The rejection's files, without their bytes (the file itself downloads
    from the application page, to its owner)."""

    model = Attachment
    fields = ("kind", "filename", "content_type", "size", "created_at")
    readonly_fields = fields
    extra = 0
    max_num = 0  # files come from the letter or the edit form, not typed here
    show_change_link = True

    def get_queryset(self, request: HttpRequest) -> QuerySet[Attachment]:
        return super().get_queryset(request).defer("data").order_by("-kind", "id")


@admin.register(Rejection)
class RejectionAdmin(admin.ModelAdmin):
    list_display = ["application", "received_on", "stage_reached", "channel", "invited_to_reapply"]
    list_filter = ["stage_reached", "channel", "invited_to_reapply"]
    list_select_related = ["application", "application__company"]
    search_fields = ["application__role", "application__company__name", "application__user__email"]
    raw_id_fields = ["application"]
    inlines = [AttachmentInline]
    show_full_result_count = False

    def save_model(self, request, obj, form, change) -> None:
        super().save_model(request, obj, form, change)
        application_search_refresh(application_ids=[obj.application_id])


@admin.register(Attachment)
class AttachmentAdmin(admin.ModelAdmin):
    list_display = ["filename", "kind", "content_type", "size", "user", "created_at"]
    list_filter = ["kind", "content_type"]
    list_select_related = ["user"]
    search_fields = ["filename", "user__email"]
    raw_id_fields = ["user", "rejection"]
    exclude = ["data"]
    show_full_result_count = False

    def get_queryset(self, request: HttpRequest) -> QuerySet[Attachment]:
        return super().get_queryset(request).defer("data")
