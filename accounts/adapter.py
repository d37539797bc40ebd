from typing import Any

from allauth.account.adapter import DefaultAccountAdapter
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext as _

from accounts.models import Invitation
from accounts.services import invitation_consume

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

    def clean_email(self, email: str) -> str:
        email = super().clean_email(email)
        if settings.AJAR_SIGNUP == "invite" and self.request is not None:
            invitation = invitation_from_session(self.request)
            # An invitation is for the address it was sent to, not for anyone
            # holding the link.
            if invitation is not None and invitation.email.lower() != email.strip().lower():
                raise ValidationError(
                    _("This invitation is for another email address."), code="invitation_email"
                )
        return email

    def save_user(self, request: HttpRequest, user: Any, form: Any, commit: bool = True) -> Any:
        invitation = invitation_from_session(request) if settings.AJAR_SIGNUP == "invite" else None
        if invitation is None or not commit:
            return super().save_user(request, user, form, commit=commit)
        with transaction.atomic():
            # Consumed first, in the same transaction as the new user: a sign-up
            # that loses the race creates nothing.
            if not invitation_consume(invitation_id=invitation.pk):
                raise PermissionDenied("This invitation has already been used.")
            user = super().save_user(request, user, form, commit=commit)
        request.session.pop(INVITATION_SESSION_KEY, None)
        return user
