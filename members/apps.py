from django.apps import AppConfig
from django.db.backends.signals import connection_created


class MembersConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "members"
    verbose_name = "Medlemsregister"

    def ready(self) -> None:
        from .folding import register_sqlite_fold

        connection_created.connect(register_sqlite_fold, dispatch_uid="members_sqlite_fold")
