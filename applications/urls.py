from django.urls import path

from applications.views import applications, board, companies, dashboard, rejections, stats

app_name = "applications"

urlpatterns = [
    path("", applications.application_list, name="list"),
    path("new/", applications.application_create_view, name="create"),
    path("<int:pk>/", applications.application_detail, name="detail"),
    path("<int:pk>/edit/", applications.application_edit, name="edit"),
    path("<int:pk>/delete/", applications.application_delete_view, name="delete"),
    path("<int:pk>/move/", applications.application_move_view, name="move"),
    path("<int:pk>/letter/", applications.attachment_download, name="letter_download"),
    path("events/<int:pk>/edit/", applications.stage_event_edit, name="event_edit"),
    path("events/<int:pk>/delete/", applications.stage_event_delete_view, name="event_delete"),
    path("log-rejection/", rejections.rejection_log_view, name="log_rejection"),
    path("log-rejection/pickers/", rejections.rejection_log_pickers, name="log_rejection_pickers"),
    path("<int:pk>/logged/", rejections.rejection_logged, name="rejection_logged"),
    path("<int:pk>/rejection/edit/", rejections.rejection_edit, name="rejection_edit"),
    path("<int:pk>/reopen/", rejections.application_reopen_view, name="reopen"),
    path("stats/", stats.stats, name="stats"),
    path("board/", board.board, name="board"),
    path("board/column/", board.board_column, name="board_column"),
    path("board/<int:pk>/move/", board.board_move, name="board_move"),
    path("<int:pk>/mark-ghosted/", dashboard.mark_ghosted, name="mark_ghosted"),
    path("companies/", companies.company_list, name="company_list"),
    path("companies/<int:pk>/", companies.company_detail, name="company_detail"),
    path("companies/<int:pk>/rename/", companies.company_rename, name="company_rename"),
    path("companies/<int:pk>/merge/", companies.company_merge, name="company_merge"),
    path("companies/<int:pk>/delete/", companies.company_delete, name="company_delete"),
]
