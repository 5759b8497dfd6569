from django.apps import AppConfig


class EnvironmentsAppConfig(AppConfig):
    name = 'environments_app'
