"""{% contact_rows rows %}: the contacts list's rows in one pass, as
{% application_rows %} writes the applications list's: the words, URL halves,
role labels and date format looked up once a page
(tests/contacts/test_contact_rows.py)."""

from html import escape
from typing import Any

from django import template
from django.utils.formats import get_format
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext

from accounts.labels import day_text
from accounts.links import pk_url_halves
from contacts.models import ContactRole

register = template.Library()


@register.simple_tag
def contact_rows(rows: list[Any]) -> SafeString:
    no_email, never = escape(gettext("no email")), escape(gettext("Never"))
    dates = get_format("DATE_FORMAT")
    page, page_end = pk_url_halves("contacts:detail")
    company_page, company_page_end = pk_url_halves("review:company_detail")
    roles = {v: escape(str(label)) for v, label in ContactRole.choices}
    out: list[str] = []
    for row in rows:
        company, role, email, day = row.company, row.role, row.email, row.last_contacted_on
        if company is not None:
            company_cell = (
                f'<a class="link-secondary" href="{company_page}{int(row.company_id)}'
                f'{company_page_end}">{escape(company.name)}</a>'
            )
        else:
            company_cell = '<span class="text-body-secondary">—</span>'
        if email:
            email = escape(email)
            email_cell = f'<a href="mailto:{email}">{email}</a>'
        else:
            email_cell = f'<span class="text-body-secondary">{no_email}</span>'
        if day:
            when = escape(day_text(day, dates))
        else:
            when = f'<span class="text-body-secondary">{never}</span>'
        out.append(
            f'<tr>\n<td><a href="{page}{int(row.pk)}{page_end}">{escape(row.name)}</a></td>\n'
            f"<td>{company_cell}</td>\n"
            f'<td class="d-none d-md-table-cell">{roles.get(role, escape(str(role)))}</td>\n'
            f'<td class="d-none d-md-table-cell text-break">{email_cell}</td>\n'
            f'<td class="last-contacted">{when}</td>\n</tr>\n'
        )
    return mark_safe("".join(out))  # noqa: S308 (every value above is escaped or an int)
