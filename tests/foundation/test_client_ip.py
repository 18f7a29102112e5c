"""The client address every rate limit counts by."""

from django.test import RequestFactory, override_settings

from config.client import client_ip

FORWARDED = {"REMOTE_ADDR": "10.0.0.2", "HTTP_X_FORWARDED_FOR": "198.51.100.7, 203.0.113.9"}


def test_without_a_trusted_proxy_a_forwarded_header_is_ignored():
    with override_settings(ALLAUTH_TRUSTED_PROXY_COUNT=0):
        assert client_ip(RequestFactory().get("/", **FORWARDED)) == "10.0.0.2"


def test_behind_the_trusted_proxy_the_address_it_appended_counts():
    # The client may send its own X-Forwarded-For; only the proxy's last entry is trusted.
    with override_settings(ALLAUTH_TRUSTED_PROXY_COUNT=1):
        assert client_ip(RequestFactory().get("/", **FORWARDED)) == "203.0.113.9"
        assert client_ip(RequestFactory().get("/", REMOTE_ADDR="10.0.0.2")) == "10.0.0.2"
