from django.shortcuts import get_object_or_404, render

from applications.models import Application


def application_list(request):
    applications = Application.objects.for_user(request.user).select_related("company")
    return render(request, "applications/list.html", {"applications": applications})


def application_detail(request, pk):
    application = get_object_or_404(Application.objects.for_user(request.user), pk=pk)
    return render(request, "applications/detail.html", {"application": application})


def rejection_log_view(request):
    return render(request, "placeholder.html", {"title": "Log a rejection"})
