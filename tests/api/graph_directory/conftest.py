"""The https test server and its tenant of tests/api/sdk/conftest.py, for the SDK tests of the
directory endpoints (test_sdk_directory.py)."""
from tests.api.sdk import conftest as sdk

tls_ca = sdk.tls_ca
sdk_tenant = sdk.sdk_tenant
https_server = sdk.https_server
