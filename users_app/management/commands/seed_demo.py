from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand

from users_app.demo.seed import SUPERUSER, default_accounts_file, demo_seed


class Command(BaseCommand):
    help = ("Load the demo tenant (Contoso), sync it, import records, and print the sign-in accounts with "
            "the passwords generated for this install (kept in the accounts file, readable by its owner only).")

    def add_arguments(self, parser):
        parser.add_argument("--accounts-file", type=Path, default=None,
                            help="where the generated passwords are kept (default: var/demo-accounts.txt)")
        parser.add_argument("--superuser", action="store_true",
                            help="also make the Django superuser 'superuser' when the demo is first created "
                                 "(made with DEBUG on too); never made again afterwards")

    def handle(self, *args, **options):
        accounts_file = options["accounts_file"] or default_accounts_file()
        report = demo_seed(path=settings.DEMO_TENANT_FILE, accounts_file=accounts_file, superuser=options["superuser"])
        out = self.stdout
        out.write("Demo tenant loaded and synchronised." if report.created else "Demo tenant already present; nothing changed.")
        for name, value in report.summary.items():
            out.write(f"  {name}: {value}")
        portal = [a for a in report.accounts if a[0] != SUPERUSER]
        admin = [a for a in report.accounts if a[0] == SUPERUSER]
        out.write(f"\nSign-in accounts (directory users, portal sign-in); passwords generated for this install, "
                  f"kept in {report.accounts_file} (readable by you only):")
        if portal:
            width = max(len(login) for login, _, _ in portal)
            for login, password, shows in portal:
                out.write(f"  {login:<{width}}  {password}  {shows}")
        for note in report.notes:
            out.write(f"  {note}")
        if admin:
            out.write(f"\nDjango admin (/admin/ only): {admin[0][0]} / {admin[0][1]}")
        else:
            out.write("\nDjango admin (/admin/ only): no demo superuser in this file (made only when the demo is "
                      "first created, with --superuser or DEBUG on); `manage.py createsuperuser` makes one.")
