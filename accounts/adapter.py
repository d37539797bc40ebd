from typing import Any

from allauth.account.adapter import DefaultAccountAdapter
from django.conf import settings
from django.http import HttpRequest
from django.urls import reverse

from accounts.models import Invitation

INVITATION_SESSION_KEY = "ajar_invitation"


def invitation_from_session(request: HttpRequest) -> Invitation | None:
    token = request.session.get(INVITATION_SESSION_KEY) if hasattr(request, "session") else None
    if not token:
        return None
    return Invitation.objects.filter(token=token, accepted_at__isnull=True).first()


class AccountAdapter(DefaultAccountAdapter):
    def get_signup_redirect_url(self, request: HttpRequest) -> str:
        # Where the login that follows verifying the address lands (allauth
        # resumes the sign-up in the same session): the one onboarding screen.
        return reverse("onboarding")

    def is_open_for_signup(self, request: HttpRequest) -> bool:
        mode = settings.AJAR_SIGNUP
        if mode == "open":
            return True
        if mode == "invite":
            return invitation_from_session(request) is not None
        return False

    def save_user(self, request: HttpRequest, user: Any, form: Any, commit: bool = True) -> Any:
        user = super().save_user(request, user, form, commit=commit)
        invitation = invitation_from_session(request)
        if invitation is not None and commit:
            from django.utils import timezone

            invitation.accepted_at = timezone.now()
            invitation.save(update_fields=["accepted_at"])
            request.session.pop(INVITATION_SESSION_KEY, None)
        return user
