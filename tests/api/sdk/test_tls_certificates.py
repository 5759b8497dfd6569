"""manage.py tls_certificates: the local certificate authority and server certificate of `make run`'s
https port, made once with trustme, kept owner-only, and issued again only for a new host name."""
import socket
import ssl
import stat
import threading

from tests.conftest import run_command
from users_app.management.commands.tls_certificates import certificate_names

FILES = ("ca.pem", "ca.key", "server.pem", "server.key")


def test_made_once_owner_only_and_kept(tmp_path):
    folder = tmp_path / "tls"
    code, out, _ = run_command("tls_certificates", dir=str(folder), host=["127.0.0.1"])
    assert code == 0 and "Made the local certificate authority" in out
    for name in FILES:
        assert stat.S_IMODE((folder / name).stat().st_mode) == 0o600, name
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    assert {"127.0.0.1", "localhost", "::1"} <= certificate_names((folder / "server.pem").read_bytes())
    before = {name: (folder / name).read_bytes() for name in FILES}

    code, out, _ = run_command("tls_certificates", dir=str(folder), host=["localhost"])
    assert code == 0 and "Kept" in out
    assert {name: (folder / name).read_bytes() for name in FILES} == before


def test_a_new_host_name_gets_a_server_certificate_from_the_same_authority(tmp_path):
    folder = tmp_path / "tls"
    run_command("tls_certificates", dir=str(folder))
    ca = (folder / "ca.pem").read_bytes()
    code, out, _ = run_command("tls_certificates", dir=str(folder), host=["portal.example.test"])
    assert code == 0 and "Issued a new server certificate" in out
    assert (folder / "ca.pem").read_bytes() == ca
    assert "portal.example.test" in certificate_names((folder / "server.pem").read_bytes())


def test_a_client_trusting_ca_pem_completes_a_handshake_with_the_server_certificate(tmp_path):
    """What `make run` gives gunicorn (--certfile server.pem --keyfile server.key) is what a client
    trusting ca.pem accepts for 127.0.0.1."""
    folder = tmp_path / "tls"
    run_command("tls_certificates", dir=str(folder))
    server_context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server_context.load_cert_chain(folder / "server.pem", folder / "server.key")
    client_context = ssl.create_default_context(cafile=str(folder / "ca.pem"))
    with socket.create_server(("127.0.0.1", 0)) as listener:
        port = listener.getsockname()[1]

        def serve():
            conn, _ = listener.accept()
            with server_context.wrap_socket(conn, server_side=True) as tls:
                tls.sendall(b"ok")

        thread = threading.Thread(target=serve, daemon=True)
        thread.start()
        with socket.create_connection(("127.0.0.1", port)) as raw, \
                client_context.wrap_socket(raw, server_hostname="127.0.0.1") as tls:
            assert tls.recv(2) == b"ok"
        thread.join(timeout=10)
