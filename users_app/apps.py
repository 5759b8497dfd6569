from django.apps import AppConfig


class UsersAppConfig(AppConfig):
    name = 'users_app'

    def ready(self) -> None:
        from . import changes

        changes.connect_deletion_handlers()
