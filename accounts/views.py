"""Views every app shares: accepting an invitation, and confirm-then-act pages."""

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET

from accounts.adapter import INVITATION_SESSION_KEY
from accounts.models import Invitation

if TYPE_CHECKING:
    from django.shortcuts import SupportsGetAbsoluteUrl


def confirm_then(
    request: HttpRequest,
    *,
    template: str,
    context: dict[str, Any],
    action: Callable[[], object],
    success: str,
    next_url: "str | SupportsGetAbsoluteUrl",
) -> HttpResponse:
    """A confirmation page whose button POSTs. On POST, run `action` (a service
    call); a refusal (ValidationError, e.g. its email is being sent now) shows on
    the same page and changes nothing."""
    error = None
    if request.method == "POST":
        try:
            action()
        except ValidationError as exc:
            error = exc.messages[0]
        else:
            messages.success(request, success)
            return redirect(next_url)
    return render(request, template, {**context, "error": error})


@login_not_required
@require_GET
def invitation_accept(request: HttpRequest, token: str) -> HttpResponse:
    invitation = get_object_or_404(Invitation, token=token, accepted_at__isnull=True)
    request.session[INVITATION_SESSION_KEY] = invitation.token
    return redirect("account_signup")


def safe_next(request: HttpRequest, fallback: str) -> str:
    """The `next` path a form or link asks to return to, if it is one of ours."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    # Only a path: redirect() reads a bare word as a URL name and would 500 on it.
    if target.startswith("/") and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return fallback
