"""`{{ form.field|bootstrap_field }}` and `{{ form|bootstrap_form }}`: crispy's
Bootstrap 5 layout of one field and of a whole form, written in Python
(accounts/fields.py)."""

from django import template

from accounts.fields import bootstrap_field, bootstrap_form

register = template.Library()
register.filter("bootstrap_field", bootstrap_field)
register.filter("bootstrap_form", bootstrap_form)
