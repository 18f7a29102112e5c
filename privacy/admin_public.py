from django.contrib import admin  # noqa: F401  (privacy pages, consents, requests, access log)
