from django.conf import settings
from django.contrib import admin
from django.urls import include, path, re_path

from accounts.admin_login import admin_login
from accounts.email_confirm import confirm_email
from reminders.health import health, metrics
from reminders.urls import account_urlpatterns
from review.views.dashboard import dashboard

urlpatterns = [
    path("", dashboard, name="dashboard"),
    path("applications/", include("applications.urls")),
    path("", include("review.urls")),
    path("", include("reminders.urls")),
    path("contacts/", include("contacts.urls")),
    path("", include(account_urlpatterns)),
    path("data/", include("portability.urls")),
    path("inbox/", include("inbox.urls")),
    path("", include("accounts.urls")),
    # Before allauth's own: a GET of the link changes nothing and reveals nothing.
    re_path(
        r"^accounts/confirm-email/(?P<key>[-:\w]+)/$", confirm_email, name="account_confirm_email"
    ),
    path("accounts/", include("allauth.urls")),
    # Before the admin's own login, which has no rate limit or lockout.
    path("admin/login/", admin_login, name="admin_login"),
    path("admin/", admin.site.urls),
    path("health/", health, name="health"),
    path("metrics", metrics, name="metrics"),
]

# Every page is private (LoginRequiredMiddleware) except the views named here,
# by URL name. tests/test_url_walker.py fails when a view that is not listed
# here answers an anonymous request.
PUBLIC_URL_NAMES = frozenset(
    {
        # django-allauth: sign-up, login, verification, password reset.
        "account_login",
        "account_signup",
        "account_confirm_email",
        "account_email_verification_sent",
        "account_reset_password",
        "account_reset_password_done",
        "account_reset_password_from_key",
        "account_reset_password_from_key_done",
        "account_inactive",
        "account_logout",
        "account_login_code_confirm",
        "account_request_login_code",
        "account_confirm_login_code",
        "account_reauthenticate",
        "account_verify_email_code",
        "account_verify_email",
        "account_confirm_phone_verification_code",
        "account_reset_password_from_code",
        "account_confirm_password_reset_code",
        # Ajar's own.
        "invitation_accept",
        "health",
        # Prometheus: staff, or the AJAR_METRICS_TOKEN bearer token; else a 404.
        "metrics",
        # Signed links in reminder emails: the token authenticates.
        "reminders:email_link",
        "reminders:unsubscribe",
        # The calendar feed: calendar apps subscribe without a session, so the
        # secret token in the URL authenticates (regenerating it retires the old).
        "portability:calendar_feed",
    }
)

if settings.AJAR_BENCH_FLOOR:
    # Private like every page (LoginRequiredMiddleware); only bench/web.py turns it on.
    urlpatterns += [path("bench/floor/", include("bench.urls"))]

if settings.DEBUG and not settings.TESTING:
    from django.contrib.staticfiles.urls import staticfiles_urlpatterns

    urlpatterns += staticfiles_urlpatterns()
