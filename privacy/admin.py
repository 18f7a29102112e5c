# Admin registrations are split by area: public privacy pages and requests, and the
# partner outbox. Both modules register their models on import.
from . import admin_outbox, admin_public  # noqa: F401
