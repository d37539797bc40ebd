"""The benchmark's floor: the least a private page can cost (session, user,
middleware, CSP header, one template), so each page's figure reads as a ratio.

The layout page is the floor plus what every full page adds: the base template
(nav, messages, the failed-email banner, footer) around an empty body."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET


@require_GET
def floor(request: HttpRequest) -> HttpResponse:
    return render(request, "bench/floor.html")


@require_GET
def layout(request: HttpRequest) -> HttpResponse:
    return render(request, "bench/layout.html")
