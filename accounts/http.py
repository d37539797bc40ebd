"""The request type of the signed-in pages.

Every page needs a signed-in user (LoginRequiredMiddleware; the few public ones
are marked login_not_required), so a view's `request.user` is a User, not an
AnonymousUser: views annotate their request with this class to say so.
(django-htmx's middleware adds `htmx`.)
"""

from django.http import HttpRequest
from django_htmx.middleware import HtmxDetails

from accounts.models import User


class AuthenticatedRequest(HttpRequest):
    user: User  # narrows HttpRequest's "User | AnonymousUser"
    htmx: HtmxDetails
