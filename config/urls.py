from allauth.account.decorators import secure_admin_login
from django.conf import settings
from django.contrib import admin
from django.contrib.auth.decorators import login_not_required
from django.urls import include, path
from django.views.i18n import set_language

from clubs import mfa_enrolment
from members.messaging import urls as messaging_urls

from . import views

# The admin's own login form would skip MFA and allauth's rate limits: send it through
# allauth's login (the documented way), and the officer middleware then demands the
# second factor in the session before any admin page. Set before admin.site.urls is read.
admin.site.login = login_not_required(secure_admin_login(admin.site.login))

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("i18n/setlang/", login_not_required(set_language), name="set_language"),
    path("accounts/tofaktor/bekreft/", mfa_enrolment.enrolment, name="mfa_enrolment"),
    path(
        "accounts/tofaktor/bekreft/<str:token>/",
        mfa_enrolment.enrolment_confirm,
        name="mfa_enrolment_confirm",
    ),
    path("accounts/", include("allauth.urls")),
    path("admin/", admin.site.urls),
    path("min-side/", include("members.minside.urls")),
    path(
        "medlemsregister/meldinger/",
        include(("members.messaging.urls", "messaging"), namespace="register_messaging"),
    ),
    path(
        "klubbkontoret/meldinger/",
        include(("members.messaging.urls", "messaging"), namespace="klubb_messaging"),
    ),
    path("", include((messaging_urls.public_urlpatterns, "unsubscribe"))),
    path("medlemsregister/kontingent/", include("members.dues.urls")),
    path("bli-medlem/", include("members.joining.urls")),
    path("medlemsregister/", include("members.joining.staff_urls")),
    path("medlemsregister/", include("members.register.urls")),
    path("statistikk/", include("members.stats.urls")),
    path("klubbkontoret/", include("clubs.urls")),
    path("", include("privacy.urls")),
]

admin.site.site_header = "Medlemsportal"
admin.site.site_title = "Medlemsportal"
admin.site.index_title = "Administrasjon"

if settings.DEBUG:
    from django.contrib.staticfiles.urls import staticfiles_urlpatterns

    urlpatterns += staticfiles_urlpatterns()
