from django.shortcuts import render

from reminders.models import Reminder


def reminder_list(request):
    reminders = Reminder.objects.for_user(request.user).select_related(
        "application", "application__company"
    )
    return render(request, "reminders/list.html", {"reminders": reminders})
