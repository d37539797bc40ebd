"""The contacts pages: the insiders met along the way and the conversations had."""

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse, HttpResponseNotAllowed
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.cache import patch_vary_headers
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from accounts.forms import as_id
from accounts.http import AuthenticatedRequest
from accounts.pagination import CappedPaginator
from accounts.pickers import picker_options
from accounts.timezones import user_today
from accounts.views import safe_next
from applications.models import Application, Company
from contacts import selectors, services
from contacts.filters import ContactFilter
from contacts.forms import ContactForm, ContactMergeForm, InteractionForm, contact_label
from contacts.models import Contact, Interaction

PAGE_SIZE = 50


def _contact(request: AuthenticatedRequest, pk: int) -> Contact:
    return get_object_or_404(
        Contact.objects.for_user(request.user).select_related("company"), pk=pk
    )


def contact_list(request: AuthenticatedRequest) -> HttpResponse:
    filterset = ContactFilter(request.GET, user=request.user)
    form = filterset.form
    page = CappedPaginator(filterset.qs, PAGE_SIZE).get_page(request.GET.get("page"))
    kept: dict[str, Any] = {k: v for k, v in request.GET.items() if k in form.fields and v}
    return render(
        request,
        "contacts/list.html",
        {
            "form": form,
            "page": page,
            "filtered": filterset.active,
            "filter_query": urlencode(kept) + "&" if kept else "",
        },
    )


def contact_detail(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    contact = _contact(request, pk)
    interactions = list(selectors.contact_interactions(contact))
    return render(
        request,
        "contacts/detail.html",
        {
            "contact": contact,
            "applications": selectors.contact_applications(contact),
            "interactions": interactions,
            "last_contacted_on": interactions[0].occurred_on if interactions else None,
            "merge_form": ContactMergeForm(user=request.user, contact=contact),
        },
    )


def contact_create(request: AuthenticatedRequest) -> HttpResponse:
    initial = {}
    company_id = as_id(request.GET.get("company", ""))
    if company_id is not None:
        company = Company.objects.for_user(request.user).filter(pk=company_id).first()
        initial["company"] = company
    form = ContactForm(request.POST or None, user=request.user, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            contact = services.contact_create(
                user=request.user,
                applications=list(form.cleaned_data["applications"]),
                **form.details(),
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("Added %(name)s.") % {"name": contact.name})
            return redirect(contact)
    return render(request, "contacts/form.html", {"form": form, "contact": None})


def contact_edit(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    contact = _contact(request, pk)
    form = ContactForm(request.POST or None, instance=contact, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            services.contact_update(
                contact=contact,
                applications=list(form.cleaned_data["applications"]),
                **form.details(),
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("Saved %(name)s.") % {"name": contact.name})
            return redirect(contact)
    return render(request, "contacts/form.html", {"form": form, "contact": contact})


def contact_delete(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    contact = _contact(request, pk)
    if request.method == "POST":
        services.contact_delete(contact=contact)
        messages.success(request, _("Deleted %(name)s.") % {"name": contact.name})
        return redirect("contacts:list")
    interactions = selectors.contact_interactions(contact)
    alone = sum(1 for i in interactions if len(i.contacts.all()) == 1)
    return render(
        request,
        "contacts/delete.html",
        {"contact": contact, "alone": alone, "shared": len(interactions) - alone},
    )


def contact_merge(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    contact = _contact(request, pk)
    form = ContactMergeForm(request.POST or None, user=request.user, contact=contact)
    if request.method == "POST" and form.is_valid():
        duplicate = form.cleaned_data["duplicate"]
        name = duplicate.name
        try:
            services.contact_merge(keep=contact, duplicate=duplicate)
        except ValidationError as exc:
            form.add_error("duplicate", exc.messages)
        else:
            messages.success(
                request,
                _(
                    "Merged %(duplicate)s into %(name)s: their conversations and"
                    " applications are here now."
                )
                % {"duplicate": name, "name": contact.name},
            )
            return redirect(contact)
    return render(request, "contacts/merge.html", {"contact": contact, "form": form})


def interaction_log(request: AuthenticatedRequest) -> HttpResponse:
    """Log a conversation, from a contact, an application or a company page
    (`?application=`, `?company=`, `?contact=` narrow the contacts offered)."""
    user = request.user
    source = request.POST if request.method == "POST" else request.GET
    application = company = contact = None
    scope: list[Contact] | None = None
    # Ids in the query string of a GET are looked up in the user's own rows: a
    # foreign one is a 404. In a POST they are form fields: a foreign one is a
    # field error.
    if request.method == "GET":
        if source.get("application"):
            application = get_object_or_404(
                Application.objects.for_user(user).select_related("company"),
                pk=_int_or_404(source["application"]),
            )
        if source.get("company"):
            company = get_object_or_404(
                Company.objects.for_user(user), pk=_int_or_404(source["company"])
            )
        if source.get("contact"):
            contact = get_object_or_404(
                Contact.objects.for_user(user), pk=_int_or_404(source["contact"])
            )
        scope = selectors.offered_contacts(
            user, application=application, company=company, contact=contact
        )
        form = InteractionForm(
            user=user,
            scope=scope,
            initial={
                "occurred_on": user_today(user),
                "application": application,
                "company": company,
                "contact": contact,
                "contacts": [contact.pk] if contact else [],
            },
            # Inside another page, its own ids: that page may have fields of
            # the same names (a stage move's date), and a label must point at
            # its own input.
            **({"auto_id": "log_%s"} if request.htmx else {}),
        )
        if request.htmx:
            # A page's closed "Log a conversation" asks for the form when it
            # is opened (contacts_tags.log_interaction_form).
            response = render(
                request,
                "contacts/_log_interaction_form.html",
                {"form": form, "next": safe_next(request, ""), "nobody": scope == []},
            )
            patch_vary_headers(response, ("HX-Request",))
            return response
    else:
        form = InteractionForm(request.POST, user=user)
        if form.is_valid():
            data = form.cleaned_data
            application = data.get("application")
            company = data.get("company") or (application.company if application else None)
            contact = data.get("contact")
            if contact is not None and company is None:
                company = contact.company
            try:
                interaction = services.interaction_log_with_new_contacts(
                    user=user,
                    contacts=list(data["contacts"]),
                    new_contact_names=[data.get("new_contact") or ""],
                    company=company,
                    occurred_on=data["occurred_on"],
                    channel=data["channel"],
                    summary=data.get("summary", ""),
                    application=application,
                )
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                messages.success(request, _("Conversation logged."))
                first = interaction.contacts.order_by("pk").first()
                assert first is not None  # a conversation is with someone
                return redirect(safe_next(request, first.get_absolute_url()))
    response = render(
        request,
        "contacts/log_interaction.html",
        {
            "form": form,
            "next": safe_next(request, ""),
            "application": application,
            "nobody": scope == [],
        },
        status=400 if form.is_bound else 200,
    )
    patch_vary_headers(response, ("HX-Request",))
    return response


def _int_or_404(value: str) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        raise Http404 from None


def interaction_delete(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    interaction = get_object_or_404(Interaction.objects.for_user(request.user), pk=pk)
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    services.interaction_delete(interaction=interaction)
    messages.success(request, _("Conversation deleted."))
    return redirect(safe_next(request, reverse("contacts:list")))


@require_GET
def contact_options(request: AuthenticatedRequest) -> HttpResponse:
    """htmx: the options of a contacts picker that match what was typed."""
    return picker_options(
        request,
        queryset=Contact.objects.for_user(request.user).select_related("company"),
        matching=lambda contacts, word: contacts.filter(name__icontains=word),
        label=contact_label,
    )
