"""The board: one column per stage, cards moved by drag and drop or by keyboard."""

import json
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from accounts.http import AuthenticatedRequest
from applications.forms import BoardMoveForm
from applications.models import Application, Stage
from applications.selectors import BOARD_COLUMN_SIZE, board_column_page, board_columns
from applications.services import application_move

MAX_OFFSET = 1_000_000_000


def _wants_closed(request: HttpRequest) -> bool:
    return request.GET.get("closed") == "1" or request.POST.get("closed") == "1"


def _board_context(request: AuthenticatedRequest, *, closed: bool, **extra: Any) -> dict[str, Any]:
    columns = board_columns(request.user, closed=closed)
    return {
        "columns": columns,
        "board_total": sum(c.total for c in columns),
        "closed": closed,
        "stages": Stage.choices,
        "column_size": BOARD_COLUMN_SIZE,
        **extra,
    }


def board(request: AuthenticatedRequest) -> HttpResponse:
    closed = _wants_closed(request)
    return render(request, "applications/board.html", _board_context(request, closed=closed))


def board_column(request: AuthenticatedRequest) -> HttpResponse:
    """The next cards of one column ("show more")."""
    form = BoardMoveForm({"stage": request.GET.get("stage")})
    if not form.is_valid():
        return redirect("applications:board")
    stage = Stage(form.cleaned_data["stage"])
    try:
        # Bounded: an OFFSET past PostgreSQL's bigint is a database error.
        offset = min(max(int(request.GET.get("offset", BOARD_COLUMN_SIZE)), 0), MAX_OFFSET)
    except ValueError:
        offset = BOARD_COLUMN_SIZE
    closed = _wants_closed(request)
    cards = board_column_page(
        request.user, stage=stage, closed=closed, offset=offset, limit=BOARD_COLUMN_SIZE + 1
    )
    context = {
        "stage": stage,
        "cards": cards[:BOARD_COLUMN_SIZE],
        "next_offset": offset + BOARD_COLUMN_SIZE if len(cards) > BOARD_COLUMN_SIZE else None,
        "closed": closed,
        "stages": Stage.choices,
    }
    template = "applications/_board_more.html" if request.htmx else "applications/board_column.html"
    return render(request, template, context)


def board_move(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    """A card's move: POSTed by the board's one move dialog (htmx), or, without
    JavaScript, from this card's own move page (GET)."""
    application = get_object_or_404(
        Application.objects.for_user(request.user).select_related("company"), pk=pk
    )
    if request.method == "GET":
        return render(
            request,
            "applications/board_move.html",
            {"application": application, "stages": Stage.choices},
        )
    if request.method != "POST":
        return HttpResponseNotAllowed(["GET", "POST"])
    form = BoardMoveForm(request.POST)
    status, error = "", ""
    if not application.is_open:
        error = _("“%(app)s” is closed: reopen it from its page to move it.") % {"app": application}
    elif not form.is_valid():
        error = _("Pick a stage to move “%(app)s” to.") % {"app": application}
    elif form.cleaned_data["stage"] != application.current_stage:
        stage = Stage(form.cleaned_data["stage"])
        try:
            application_move(application=application, stage=stage)
        except ValidationError as exc:
            error = " ".join(exc.messages)
        else:
            status = _("Moved “%(app)s” to %(stage)s.") % {
                "app": application,
                "stage": stage.label,
            }
    if not request.htmx:
        if error:
            messages.error(request, error)
        elif status:
            messages.success(request, status)
        return redirect(reverse("applications:board") + f"#card-{application.pk}")
    response = render(
        request,
        "applications/_board_moved.html",
        _board_context(request, closed=False, board_status=status, board_error=error),
    )
    # board.js puts focus back on the card once htmx has settled the new board.
    response["HX-Trigger-After-Settle"] = json.dumps(
        {"ajar:board-moved": {"card": f"card-{application.pk}"}}
    )
    return response
