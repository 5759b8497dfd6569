"""tls_certificates [--dir var/tls] [--host NAME ...]: the local certificate authority and the server
certificate of `make run`'s https port, made once with trustme and kept.

The directory holds ca.pem (the certificate to trust: REQUESTS_CA_BUNDLE, SSL_CERT_FILE), ca.key (the
authority's key, so that a certificate for a new host name can be issued by the same authority),
server.pem (the server certificate followed by the authority's) and server.key; every file readable by
its owner only. Run again, it keeps what is there, and issues a new server certificate only when one
of the names asked for (127.0.0.1, localhost and each --host) is not in the present one.
"""
import ipaddress
import os
from pathlib import Path

import trustme
from cryptography import x509
from django.conf import settings
from django.core.management.base import BaseCommand

DEFAULT_NAMES = ("127.0.0.1", "localhost", "::1")


def certificate_names(pem: bytes) -> set[str]:
    """The DNS names and IP addresses a certificate is valid for (its subject alternative names)."""
    cert = x509.load_pem_x509_certificate(pem)
    try:
        san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    except x509.ExtensionNotFound:
        return set()
    return {*san.get_values_for_type(x509.DNSName), *(str(ip) for ip in san.get_values_for_type(x509.IPAddress))}


def normal_name(name: str) -> str:
    try:
        return str(ipaddress.ip_address(name.strip("[]")))
    except ValueError:
        return name.lower()


def _write_private(path: Path, data: bytes) -> None:
    """Written with owner-only permissions from the start (no moment where others may read it)."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)
    os.chmod(path, 0o600)


class Command(BaseCommand):
    help = ("Makes, once, a local certificate authority and a server certificate for the https port of "
            "`make run` (var/tls/): ca.pem is the certificate to trust.")

    def add_arguments(self, parser):
        parser.add_argument("--dir", default=str(Path(settings.BASE_DIR) / "var" / "tls"),
                            help="Where the files are kept (default: var/tls).")
        parser.add_argument("--host", action="append", default=[], metavar="NAME",
                            help="Another host name or address the server certificate must cover (repeatable).")

    def handle(self, *, dir, host, **options):
        folder = Path(dir)
        folder.mkdir(parents=True, exist_ok=True)
        os.chmod(folder, 0o700)
        names = list(dict.fromkeys(normal_name(n) for n in (*DEFAULT_NAMES, *host) if n and n not in ("0.0.0.0", "::")))
        ca_pem, ca_key = folder / "ca.pem", folder / "ca.key"
        server_pem, server_key = folder / "server.pem", folder / "server.key"

        if ca_pem.exists() and ca_key.exists():
            ca = trustme.CA.from_pem(ca_pem.read_bytes(), ca_key.read_bytes())
            made_ca = False
        else:
            ca = trustme.CA(organization_name="PPAC user management (local)")
            _write_private(ca_key, ca.private_key_pem.bytes())
            _write_private(ca_pem, ca.cert_pem.bytes())
            made_ca = True

        present = certificate_names(server_pem.read_bytes()) if server_pem.exists() and server_key.exists() else set()
        if made_ca or not set(names) <= present:
            cert = ca.issue_cert(*names, common_name=names[0])
            _write_private(server_key, cert.private_key_pem.bytes())
            _write_private(server_pem, b"".join(blob.bytes() for blob in cert.cert_chain_pems))
            what = "Made" if made_ca else "Issued a new server certificate with"
            self.stdout.write(f"{what} the local certificate authority {ca_pem} and the server certificate "
                              f"{server_pem} for {', '.join(names)}.")
        else:
            self.stdout.write(f"Kept the local certificate authority {ca_pem} and the server certificate {server_pem}.")
        for path in (ca_pem, ca_key, server_pem, server_key):
            os.chmod(path, 0o600)
