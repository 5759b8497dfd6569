from django.conf import settings
from django.core.management.base import BaseCommand

from users_app.services.demo import demo_seed


class Command(BaseCommand):
    help = "Load the demo tenant (Contoso), sync it, import records, and print the sign-in accounts."

    def handle(self, *args, **options):
        report = demo_seed(path=settings.DEMO_TENANT_FILE)
        out = self.stdout
        out.write("Demo tenant loaded and synchronised." if report.created else "Demo tenant already present; nothing changed.")
        for name, value in report.summary.items():
            out.write(f"  {name}: {value}")
        out.write("\nSign-in accounts (directory users, portal sign-in):")
        width = max(len(upn) for upn, _, _ in report.accounts)
        for upn, role, password in report.accounts:
            out.write(f"  {upn:<{width}}  {password}  {role}")
        out.write(f"\nDjango admin (/admin/ only): {report.superuser[0]} / {report.superuser[1]}")
