"""The page chrome (header with navigation, footer, cookie banner) rendered once per
process for each combination of what it depends on, then reused.

Every page that extends `base.html` repeated the same ~40 `{% translate %}`, a dozen
`{% url %}` and two includes: about 0.7 ms, a tenth of a roster page. What varies per
request is filled in after the lookup: the CSRF token and the current path (the `next`
of the language switch and the banner). The key holds everything else the fragments
read: language, script prefix, logged in or not, the navigation flags, which section
the path is in, whether the banner shows. With `DEBUG` on nothing is kept, so edited
templates show at once.
"""

from django import template
from django.conf import settings
from django.middleware.csrf import get_token
from django.template.loader import render_to_string
from django.urls import get_script_prefix
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language

register = template.Library()

TEMPLATES = {
    "header": "chrome/header.html",
    "footer": "chrome/footer.html",
    "consent_banner": "privacy/_consent_banner.html",
}
# The navigation entry marked aria-current="page" for a path starting with each prefix.
SECTIONS = (
    ("/min-side/", "min_side"),
    ("/klubbkontoret/", "klubbkontoret"),
    ("/medlemsregister/", "register"),
    ("/statistikk/", "statistikk"),
    ("/personvern/henvendelser", "personvern"),
)
NAV_KEYS = ("min_side", "klubbkontoret", "register", "statistikk", "admin")
# Stand-ins rendered into the kept HTML and replaced per request. Neither is changed
# by escaping, and no translation or URL contains them.
CSRF_MARK = "@@csrf-token@@"
NEXT_MARK = "@@next-path@@"
MAX_ENTRIES = 2048  # 2 languages × 32 navigation sets × 6 sections is 384 headers

_rendered: dict[tuple, str] = {}


def section_of(path: str) -> str:
    for prefix, name in SECTIONS:
        if path.startswith(prefix):
            return name
    return ""


def _key(part: str, context, path: str) -> tuple:
    """Everything the fragment reads but the token and the path: (part, language, script
    prefix, then for the header: logged in, navigation flags, section; for the banner:
    shown)."""
    common = (part, get_language(), get_script_prefix())
    if part == "header":
        user = context.get("user")
        nav = context.get("nav") or {}
        return common + (
            bool(user is not None and user.is_authenticated),
            tuple(bool(nav.get(key)) for key in NAV_KEYS),
            section_of(path),
        )
    if part == "consent_banner":
        return common + (
            not context.get("cookie_consent") and not context.get("hide_consent_banner"),
        )
    return common


def _render(key: tuple, *, csrf_token: str, next_path: str) -> str:
    """Render the fragment a key describes (its template context is the key's values)."""
    part, language = key[0], key[1]
    values = {"csrf_token": csrf_token, "next_path": next_path}
    if part == "header":
        authenticated, flags, section = key[3:]
        values |= {
            "user": {"is_authenticated": authenticated},
            "nav": dict(zip(NAV_KEYS, flags, strict=True)),
            "section": section,
            "LANGUAGE_CODE": language,
        }
    elif part == "consent_banner":
        values["show_banner"] = key[3]
    html = render_to_string(TEMPLATES[part], values)
    return html.strip() if part in ("header", "footer") else html


@register.simple_tag(takes_context=True)
def chrome(context, part: str) -> SafeString:
    """`{% chrome "header" %}`, `{% chrome "footer" %}` or `{% chrome "consent_banner" %}`."""
    request = context.get("request")
    if request is None:  # rendered outside a request: no token, no path, nothing kept
        return _render(_key(part, context, ""), csrf_token="", next_path="")
    key = _key(part, context, request.path)
    html = None if settings.DEBUG else _rendered.get(key)
    if html is None:
        html = _render(key, csrf_token=CSRF_MARK, next_path=NEXT_MARK)
        if not settings.DEBUG:
            if len(_rendered) >= MAX_ENTRIES:
                _rendered.clear()
            _rendered[key] = html
    if CSRF_MARK in html:
        # The page's own token (one per response, as `{% csrf_token %}` gives it).
        token = context.get("csrf_token") or get_token(request)
        html = html.replace(CSRF_MARK, str(token))
    if NEXT_MARK in html:
        html = html.replace(NEXT_MARK, escape(request.get_full_path()))
    return mark_safe(html)  # noqa: S308 - rendered by the template engine, then a token and an escaped path


# Section navigations (Klubbkontoret's, the register's, dues): the same links on every page
# of the section, only the current one marked. ~0.5 ms of `{% url %}` and
# `{% translate %}` a page, rendered once per template, language, script prefix and
# current view instead.
SUBNAV_TEMPLATES = ("clubs/_nav.html", "members/register/_nav.html", "members/dues/_nav.html")
_subnavs: dict[tuple, str] = {}


@register.simple_tag(takes_context=True)
def subnav(context, template_name: str) -> SafeString:
    """`{% subnav "clubs/_nav.html" %}`: the section navigation, which may read only
    `request.resolver_match.namespace` and `.url_name`."""
    if template_name not in SUBNAV_TEMPLATES:
        raise template.TemplateSyntaxError(f"{template_name} is not a section navigation")
    request = context.get("request")
    match = getattr(request, "resolver_match", None)
    current = {
        "namespace": getattr(match, "namespace", ""),
        "url_name": getattr(match, "url_name", ""),
    }
    key = (template_name, get_language(), get_script_prefix(), *current.values())
    html = None if settings.DEBUG else _subnavs.get(key)
    if html is None:
        html = render_to_string(template_name, {"request": {"resolver_match": current}})
        if not settings.DEBUG:
            if len(_subnavs) >= MAX_ENTRIES:
                _subnavs.clear()
            _subnavs[key] = html
    return mark_safe(html)  # noqa: S308 - rendered by the template engine from the key alone
