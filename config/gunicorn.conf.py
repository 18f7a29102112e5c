"""gunicorn settings: `gunicorn config.wsgi:application -c config/gunicorn.conf.py`.

The access log leaves out query strings and the referrer: a search for a national id,
a name or an e-mail address must not end up in a log file. The `Server` header does
not advertise gunicorn and its version."""

import gunicorn.http.wsgi

gunicorn.http.wsgi.SERVER = "medlemsportal"

accesslog = "-"
# Method and path only (%(U)s is the path without the query string), status, size, ms.
access_log_format = '%(h)s %(t)s "%(m)s %(U)s" %(s)s %(B)s %(M)sms'
forwarded_allow_ips = "127.0.0.1"
