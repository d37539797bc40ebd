from django.urls import path

from applications.views import applications, board

app_name = "applications"

# The application page, the stats and the companies pages live in `review`;
# logging a rejection and the other actions that touch a circle-back in
# `reminders` (config/urls.py mounts them under the same /applications/ paths).
urlpatterns = [
    path("", applications.application_list, name="list"),
    path("search/", applications.application_search, name="search"),
    path("new/", applications.application_create_view, name="create"),
    path("options/", applications.application_options, name="options"),
    path("companies/options/", applications.company_options, name="company_options"),
    path("<int:pk>/edit/", applications.application_edit, name="edit"),
    path("<int:pk>/move/", applications.application_move_view, name="move"),
    path("<int:pk>/letter/", applications.letter_download, name="letter_download"),
    path("files/<int:pk>/", applications.attachment_download, name="attachment_download"),
    path("events/<int:pk>/edit/", applications.stage_event_edit, name="event_edit"),
    path("events/<int:pk>/delete/", applications.stage_event_delete_view, name="event_delete"),
    path("board/", board.board, name="board"),
    path("board/column/", board.board_column, name="board_column"),
    path("board/<int:pk>/move/", board.board_move, name="board_move"),
]
