"""Companies: what happened at each one, and keeping the list tidy."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from accounts.http import AuthenticatedRequest
from accounts.pagination import CappedPaginator
from applications import services as applications_services
from applications.models import Company, Stage
from contacts import services as contacts_services
from reminders import services as reminders_services
from review import selectors
from review.filters import CompanyFilter
from review.forms import CompanyMergeForm, CompanyRenameForm

PAGE_SIZE = 50


def _company(request: AuthenticatedRequest, pk: int) -> Company:
    return get_object_or_404(Company.objects.for_user(request.user), pk=pk)


def company_list(request: AuthenticatedRequest) -> HttpResponse:
    filterset = CompanyFilter(request.GET, user=request.user)
    search = filterset.search
    page = CappedPaginator(filterset.qs, PAGE_SIZE).get_page(request.GET.get("page"))
    for company in page.object_list:
        company.furthest_label = Stage(company.furthest).label if company.furthest else ""
    return render(request, "review/companies.html", {"page": page, "search": search})


def _render_detail(
    request: AuthenticatedRequest,
    company: Company,
    *,
    rename_form: CompanyRenameForm | None = None,
    merge_form: CompanyMergeForm | None = None,
    status: int = 200,
) -> HttpResponse:
    applications = selectors.company_applications(company)
    context = {
        "company": company,
        "applications": applications,
        "replies": selectors.company_reply_summary(applications),
        "contacts": selectors.company_contacts(company),
        "interactions": selectors.company_interactions(company),
        "rename_form": rename_form or CompanyRenameForm(initial={"name": company.name}),
        "merge_form": merge_form or CompanyMergeForm(user=request.user, company=company),
    }
    return render(request, "review/company_detail.html", context, status=status)


def company_detail(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    return _render_detail(request, _company(request, pk))


def company_rename(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    company = _company(request, pk)
    if request.method != "POST":
        return redirect("review:company_detail", pk=company.pk)
    form = CompanyRenameForm(request.POST)
    if form.is_valid():
        try:
            applications_services.company_rename(company=company, name=form.cleaned_data["name"])
        except ValidationError as exc:
            form.add_error("name", exc.message_dict.get("name", exc.messages))
        else:
            messages.success(request, _("Renamed to “%(name)s”.") % {"name": company.name})
            return redirect("review:company_detail", pk=company.pk)
    company.refresh_from_db()
    return _render_detail(request, company, rename_form=form, status=400)


def company_merge(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    company = _company(request, pk)
    if request.method != "POST":
        return redirect("review:company_detail", pk=company.pk)
    form = CompanyMergeForm(request.POST, user=request.user, company=company)
    if form.is_valid():
        duplicate = form.cleaned_data["duplicate"]
        try:
            contacts_services.company_merge(keep=company, duplicate=duplicate)
        except ValidationError as exc:
            form.add_error("duplicate", exc.messages)
        else:
            messages.success(
                request,
                _("Merged “%(duplicate)s” into “%(name)s”.")
                % {"duplicate": duplicate.name, "name": company.name},
            )
            return redirect("review:company_detail", pk=company.pk)
    return _render_detail(request, company, merge_form=form, status=400)


def company_delete(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    company = _company(request, pk)
    if request.method == "POST":
        try:
            reminders_services.company_delete(company=company)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
            return redirect("review:company_delete", pk=company.pk)
        messages.success(request, _("Deleted “%(name)s”.") % {"name": company.name})
        return redirect("review:company_list")
    return render(
        request,
        "review/company_delete.html",
        {"company": company, "losing": selectors.company_deletion_summary(company)},
    )
