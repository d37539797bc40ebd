from django.shortcuts import render


def stats(request):
    return render(request, "placeholder.html", {"title": "Stats"})
