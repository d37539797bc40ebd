"""The benchmark's floor: the least a private page can cost (session, user,
middleware, CSP header, one template), so each page's figure reads as a ratio."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET


@require_GET
def floor(request: HttpRequest) -> HttpResponse:
    return render(request, "bench/floor.html")
