from django.shortcuts import get_object_or_404, render

from contacts.models import Contact


def contact_list(request):
    contacts = Contact.objects.for_user(request.user).select_related("company")
    return render(request, "contacts/list.html", {"contacts": contacts})


def contact_detail(request, pk):
    contact = get_object_or_404(Contact.objects.for_user(request.user), pk=pk)
    return render(request, "contacts/detail.html", {"contact": contact})
