from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render


def confirm_then(request, *, template, context, action, success, next_url):
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
