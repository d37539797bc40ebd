"""`{% log_interaction_form %}`: the "log a conversation" form, for any page
that shows an application, a company or a contact.

It is closed on every page, so the page does not build it: the tag writes the
`<details>` and its summary, and opening it fetches the form from
contacts:log_interaction (htmx), narrowed to the page's application, company
or contact and coming back to the page. On the application page, building the
closed form was a quarter of the page's CPU."""

from django import template
from django.urls import reverse
from django.utils.http import urlencode

register = template.Library()


@register.inclusion_tag("contacts/_log_interaction_shell.html", takes_context=True)
def log_interaction_form(context, application=None, company=None, contact=None):
    # context.request survives `{% include ... only %}`, unlike context["request"].
    request = context.request
    # Undefined template variables arrive as "": treat them as absent.
    narrowed = {
        name: int(obj.pk)
        for name, obj in (("application", application), ("company", company), ("contact", contact))
        if obj
    }
    query = urlencode({**narrowed, "next": request.get_full_path()})
    return {"url": f"{reverse('contacts:log_interaction')}?{query}"}
