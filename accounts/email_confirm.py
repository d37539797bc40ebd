"""allauth's email-confirmation page, made safe to open: mail scanners and a
stranger given the link only GET it. A GET shows a button and nothing else: it
signs no one out and names neither the address nor the account."""

from allauth.account.views import ConfirmEmailView
from django.contrib.auth.decorators import login_not_required


class QuietConfirmEmailView(ConfirmEmailView):
    template_name = "accounts/email_confirm.html"

    def logout_other_user(self, confirmation) -> None:
        # allauth also signs out, on GET, a visitor signed in as someone else;
        # only the confirming POST may change the session.
        if self.request.method == "POST":
            super().logout_other_user(confirmation)

    def get_context_data(self, **kwargs) -> dict:
        context = super().get_context_data(**kwargs)
        # Neither the address nor whose it is: the page shows only whether the
        # link can still be used.
        context.pop("email", None)
        return context


confirm_email = login_not_required(QuietConfirmEmailView.as_view())
