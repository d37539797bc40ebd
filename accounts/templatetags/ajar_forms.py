"""`{{ form.field|bootstrap_field }}`: crispy's Bootstrap 5 layout of one field,
written in Python (accounts/fields.py)."""

from django import template

from accounts.fields import bootstrap_field

register = template.Library()
register.filter("bootstrap_field", bootstrap_field)
