"""The admin signs in through allauth's login: one form, one set of rate limits
and one lockout for every account, staff (the most privileged) included."""

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme


def admin_login(request: HttpRequest) -> HttpResponse:
    """Stands in for /admin/login/. Private: an anonymous visitor is sent to the
    main login by LoginRequiredMiddleware and comes back here signed in."""
    next_url = request.GET.get("next", "")
    if not url_has_allowed_host_and_scheme(
        next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        next_url = ""
    if not request.user.is_staff:
        # Signed in without access: there is no admin here for them.
        raise Http404
    return redirect(next_url or reverse("admin:index"))
