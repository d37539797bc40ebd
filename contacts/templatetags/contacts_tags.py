"""`{% log_interaction_form %}`: the "log a conversation" form, for any page
that shows an application, a company or a contact."""

from django import template
from django.middleware.csrf import get_token

from accounts.timezones import user_today
from contacts.forms import InteractionForm
from contacts.selectors import application_scope, contacts_in_scope

register = template.Library()


@register.inclusion_tag("contacts/_log_interaction_form.html", takes_context=True)
def log_interaction_form(context, application=None, company=None, contact=None):
    # context.request survives `{% include ... only %}`, unlike context["request"].
    request = context.request
    user = request.user
    # Undefined template variables arrive as "": treat them as absent.
    application, company, contact = application or None, company or None, contact or None
    if application is not None and company is None and contact is None:
        scope = application_scope(user, application)
    else:
        scope = list(
            contacts_in_scope(user, application=application, company=company, contact=contact)
        )
    initial = {
        "occurred_on": user_today(user),
        "application": application,
        "company": company,
        "contact": contact,
        "contacts": [contact.pk] if contact is not None else [],
    }
    return {
        # Its own ids: the page around it may have forms with the same field
        # names (a stage move's date), and a label must point at its own input.
        "form": InteractionForm(user=user, scope=scope, initial=initial, auto_id="log_%s"),
        "scope": scope,
        "next": request.get_full_path(),
        "csrf_token": get_token(request),
        "application": application,
        "company": company or (application.company if application is not None else None),
        "contact": contact,
    }
