"""Reading from engines that need more than a URL: basic auth, bearer tokens, TLS with a client
certificate, a tenant header and a query path prefix, each against a real server on 127.0.0.1.

- Prometheus 2.42 with `--web.config.file` (basic auth, TLS, client certificates required),
  certificates made here with the openssl CLI;
- a tenant header: Mimir cannot be built here, so a small Python reverse proxy in front of
  Prometheus stands in for its gateway: it answers 401 without `X-Scope-OrgID` and 403 for
  a tenant other than team-a, as a multi-tenant gateway does;
- VictoriaMetrics single-node, which serves the query API under /prometheus as well.
"""

from __future__ import annotations

import http.server
import ssl
import subprocess
import threading
import time
from pathlib import Path
from typing import Iterator

import bcrypt
import httpx
import pytest
from engines import PROMETHEUS_2, TOOLS_BIN, engine
from prometheus_server import free_port, prometheus_server, served
from slogen.live.http_config import load_http_config
from slogen.live.prometheus_api import Prometheus, PrometheusError

from slogen_testing import run_slogen, write_spec

PASSWORD = "s3cret-Pa55"
SPEC = """
service: shop
slos:
  - name: availability
    objective: 99.9
    sli:
      ratio:
        errors: http_requests_total{code=~"5.."}
        total: http_requests_total
"""


def _openssl(*args: str, cwd: Path) -> None:
    done = subprocess.run(["openssl", *args], cwd=cwd, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr


def _certificates(directory: Path) -> None:
    """A CA, a server certificate for 127.0.0.1 and a client certificate, all signed by the CA."""
    directory.mkdir(parents=True, exist_ok=True)
    ec = ("-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes")
    # Python 3.13's default context verifies strictly (VERIFY_X509_STRICT): a CA without a key
    # usage extension is refused, so the CA states its constraints and key usage as real ones do.
    ca = ("-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign")
    _openssl("req", "-x509", *ec, *ca, "-keyout", "ca.key", "-out", "ca.crt", "-days", "2", "-subj", "/CN=slogen test CA", cwd=directory)
    for name, extension in (("server", "subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth\n"), ("client", "extendedKeyUsage=clientAuth\n")):
        (directory / f"{name}.ext").write_text(extension)
        _openssl("req", *ec, "-keyout", f"{name}.key", "-out", f"{name}.csr", "-subj", f"/CN=slogen test {name}", cwd=directory)
        _openssl(
            "x509", "-req", "-in", f"{name}.csr", "-CA", "ca.crt", "-CAkey", "ca.key", "-CAcreateserial",
            "-out", f"{name}.crt", "-days", "2", "-extfile", f"{name}.ext", cwd=directory,
        )


@pytest.fixture(scope="module")
def secured(tmp_path_factory) -> Iterator[tuple[str, Path]]:
    """Prometheus 2.42 behind TLS (client certificate required) and basic auth; yields (URL, folder of the certificates)."""
    root = tmp_path_factory.mktemp("secured")
    certs = root / "certs"
    _certificates(certs)
    # Prometheus' web config takes bcrypt hashes; cost 4, the least Go's bcrypt allows, keeps the test fast.
    hashed = bcrypt.hashpw(PASSWORD.encode(), bcrypt.gensalt(rounds=4)).decode()
    web = root / "web.yml"
    web.write_text(
        f"tls_server_config:\n  cert_file: {certs / 'server.crt'}\n  key_file: {certs / 'server.key'}\n"
        f"  client_auth_type: RequireAndVerifyClientCert\n  client_ca_file: {certs / 'ca.crt'}\n"
        f"basic_auth_users:\n  slo: '{hashed}'\n"
    )
    (root / "prometheus.yml").write_text("global: {evaluation_interval: 1m}\n")
    port = free_port()
    url = f"https://127.0.0.1:{port}"
    context = ssl.create_default_context(cafile=str(certs / "ca.crt"))
    context.load_cert_chain(str(certs / "client.crt"), str(certs / "client.key"))

    def ready() -> bool:
        return httpx.get(url + "/-/ready", verify=context, auth=("slo", PASSWORD), timeout=1, trust_env=False).status_code == 200

    args = [
        engine(PROMETHEUS_2).prometheus, f"--config.file={root / 'prometheus.yml'}", f"--storage.tsdb.path={root / 'tsdb'}",
        f"--web.listen-address=127.0.0.1:{port}", f"--web.config.file={web}",
    ]
    with served(args, ready, root / "prometheus.log"):
        yield url, certs


def _config(path: Path, certs: Path, basic_auth: str, client_cert: bool = True) -> Path:
    tls = f"tls_config:\n  ca_file: {certs / 'ca.crt'}\n"
    if client_cert:
        tls += f"  cert_file: {certs / 'client.crt'}\n  key_file: {certs / 'client.key'}\n"
    path.write_text(f"basic_auth:\n  username: slo\n{basic_auth}" + tls)
    return path


def test_basic_auth_password_file_and_client_certificate(secured, tmp_path):
    url, certs = secured
    (tmp_path / "password").write_text(PASSWORD + "\n")
    config = _config(tmp_path / "http.yml", certs, "  password_file: password\n")  # relative to the config file
    with Prometheus(url, http=load_http_config(config)) as client:
        assert [s.value for s in client.query("vector(7)")] == [7.0]
    spec = write_spec(tmp_path / "slo_specs", SPEC)
    done = run_slogen("report", str(spec), "--out", str(tmp_path / "out"), "-p", url, "--http.config.file", str(config), cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "out" / "report" / "live.html").exists()


def test_password_from_the_environment(secured, tmp_path, monkeypatch):
    url, certs = secured
    config = _config(tmp_path / "http.yml", certs, "  password_env: SLOGEN_TEST_PASSWORD\n")
    monkeypatch.setenv("SLOGEN_TEST_PASSWORD", PASSWORD)
    with Prometheus(url, http=load_http_config(config)) as client:
        assert [s.value for s in client.query("vector(1)")] == [1.0]
    monkeypatch.delenv("SLOGEN_TEST_PASSWORD")
    spec = write_spec(tmp_path / "slo_specs", SPEC)
    unset = run_slogen("status", str(spec), "-p", url, "--http.config.file", str(config), cwd=tmp_path)
    assert unset.returncode == 2
    assert unset.stderr.strip() == f"{config}: basic_auth.password_env: environment variable SLOGEN_TEST_PASSWORD is not set"


def test_wrong_password_is_one_line_exit_3_and_never_echoes_the_secret(secured, tmp_path):
    url, certs = secured
    (tmp_path / "password").write_text("not-the-password")
    config = _config(tmp_path / "http.yml", certs, "  password_file: password\n")
    spec = write_spec(tmp_path / "slo_specs", SPEC)
    done = run_slogen("status", str(spec), "-p", url, "--http.config.file", str(config), cwd=tmp_path)
    assert done.returncode == 3, done.stderr
    assert len(done.stderr.strip().splitlines()) == 1 and "Traceback" not in done.stderr
    assert f"{url} refused the request (HTTP 401: Unauthorized)" in done.stderr
    assert "not-the-password" not in done.stderr + done.stdout


def test_missing_client_certificate_or_ca_is_one_line_exit_3(secured, tmp_path):
    url, certs = secured
    spec = write_spec(tmp_path / "slo_specs", SPEC)
    (tmp_path / "password").write_text(PASSWORD)
    no_cert = _config(tmp_path / "no-cert.yml", certs, "  password_file: password\n", client_cert=False)
    # The server wants a client certificate; without the CA, the server's certificate is unknown.
    for args, reason in ((["--http.config.file", str(no_cert)], "bad certificate"), ([], "certificate verify failed")):
        done = run_slogen("status", str(spec), "-p", url, *args, cwd=tmp_path)
        assert done.returncode == 3, done.stderr
        assert len(done.stderr.strip().splitlines()) == 1 and "Traceback" not in done.stderr
        assert url in done.stderr and reason in done.stderr, done.stderr


@pytest.mark.parametrize(
    "text, message",
    [
        ("basic_auth:\n  username: slo\n  pasword_file: x\n", "basic_auth: unknown key 'pasword_file'"),
        ("http_headers: [X-Scope-OrgID]\n", "http_headers: expected a mapping of header names to `values: [value]`"),
        ("authorization: {credentials_file: t}\nbearer_token_file: t\n", "give authorization or bearer_token_file, not both"),
        ("tls_config: {cert_file: c.crt}\n", "tls_config: cert_file and key_file go together"),
    ],
)
def test_bad_http_config_is_input_error(tmp_path, text, message):
    spec = write_spec(tmp_path / "slo_specs", SPEC)
    config = tmp_path / "http.yml"
    config.write_text(text)
    done = run_slogen("status", str(spec), "-p", "http://127.0.0.1:1", "--http.config.file", str(config), cwd=tmp_path)
    assert done.returncode == 2
    assert done.stderr.strip() == f"{config}: {message}"


class _TenantGateway(http.server.BaseHTTPRequestHandler):
    """Forwards GETs and POSTs (status asks for series by POST) to `upstream` for tenant team-a only, like a Mimir/Cortex gateway."""

    upstream = ""

    def do_POST(self) -> None:  # noqa: N802 (http.server's name)
        self.do_GET()

    def do_GET(self) -> None:  # noqa: N802 (http.server's name)
        tenant = self.headers.get("X-Scope-OrgID")
        form = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        if tenant != "team-a":
            status, body = (401, b"no org id\n") if tenant is None else (403, f"tenant {tenant!r} is not allowed\n".encode())
            self.send_response(status)
            self.send_header("Content-Type", "text/plain")
        else:
            headers = {"Content-Type": self.headers.get("Content-Type", "")} if form else {}
            answer = httpx.request(self.command, self.upstream + self.path, content=form, headers=headers, timeout=30, trust_env=False)
            status, body = answer.status_code, answer.content
            self.send_response(status)
            self.send_header("Content-Type", answer.headers.get("Content-Type", "application/json"))
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture(scope="module")
def gateway(tmp_path_factory) -> Iterator[str]:
    """A plain Prometheus 2.42 behind the tenant-checking proxy; yields the proxy's URL."""
    with prometheus_server(tmp_path_factory.mktemp("tenant"), "global: {evaluation_interval: 1m}\n") as upstream:
        handler = type("Gateway", (_TenantGateway,), {"upstream": upstream})
        server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        try:
            yield f"http://127.0.0.1:{server.server_address[1]}"
        finally:
            server.shutdown()
            server.server_close()


@pytest.mark.slow
def test_tenant_header(gateway, tmp_path):
    spec = write_spec(tmp_path / "slo_specs", SPEC)
    ok = run_slogen("report", str(spec), "--out", str(tmp_path / "out"), "-p", gateway, "--tenant", "team-a", cwd=tmp_path)
    assert ok.returncode == 0, ok.stderr
    config = tmp_path / "http.yml"
    config.write_text("http_headers:\n  X-Scope-OrgID:\n    values: [team-a]\n")
    with Prometheus(gateway, http=load_http_config(config)) as client:
        assert [s.value for s in client.query("vector(2)")] == [2.0]
    wrong = run_slogen("status", str(spec), "-p", gateway, "--tenant", "team-b", cwd=tmp_path)
    assert wrong.returncode == 3
    assert wrong.stderr.strip() == (
        f"{gateway} refused the request (HTTP 403: tenant 'team-b' is not allowed): check the credentials and tenant (--http.config.file, --tenant)"
    )
    missing = run_slogen("status", str(spec), "-p", gateway, cwd=tmp_path)
    assert missing.returncode == 3 and "HTTP 401: no org id" in missing.stderr
    # team-a gets through, the series asked by POST too; this Prometheus has no rules.
    allowed = run_slogen("status", str(spec), "-p", gateway, "--tenant", "team-a", cwd=tmp_path)
    assert allowed.returncode == 3
    assert allowed.stderr.strip() == (
        'shop/availability: no slogen_slo_info{slo_id="shop-availability"} series: '
        "the rules of output/rules/shop.yml are not loaded into this Prometheus"
    )

    # postmortem new --prometheus sends the tenant too: refused for team-b; let through for team-a (no data there).
    postmortem = ("postmortem", "new", "--title", "x", "--severity", "SEV2", "--start", "2026-01-01T00:00Z", "--end", "2026-01-01T01:00Z",
                  "--slo", "shop/availability", "--specs", str(spec.parent), "--dir", str(tmp_path / "pm"), "--prometheus", gateway)
    refused = run_slogen(*postmortem, "--tenant", "team-b", cwd=tmp_path)
    assert refused.returncode == 2 and "HTTP 403: tenant 'team-b' is not allowed" in refused.stderr, refused.stderr
    passed = run_slogen(*postmortem, "--tenant", "team-a", cwd=tmp_path)
    assert passed.returncode == 2 and "no events for" in passed.stderr, passed.stderr


def test_victoriametrics_query_path_prefix(tmp_path):
    binary = TOOLS_BIN / "victoria-metrics"
    if not binary.exists():
        pytest.fail("victoria-metrics is missing: run `make engines`, which builds it from tools/engines/victoriametrics")
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    args = [str(binary), f"-storageDataPath={tmp_path / 'vm'}", f"-httpListenAddr=127.0.0.1:{port}", "-search.latencyOffset=0s"]
    with served(args, lambda: httpx.get(url + "/health", timeout=1, trust_env=False).status_code == 200, tmp_path / "vm.log"):
        now = int(time.time())
        line = f'http_requests_total{{code="200"}} 42 {now * 1000}\n'
        assert httpx.post(url + "/api/v1/import/prometheus", content=line, timeout=30, trust_env=False).status_code == 204
        httpx.get(url + "/internal/force_flush", timeout=30, trust_env=False)
        for base in (url, url + "/prometheus", url + "/prometheus/"):
            with Prometheus(base) as client:
                assert [s.value for s in client.query("http_requests_total", at=now)] == [42.0], base
        with Prometheus(url + "/nowhere") as client, pytest.raises(PrometheusError, match="/nowhere"):
            client.query("http_requests_total")
        spec = write_spec(tmp_path / "slo_specs", SPEC)
        done = run_slogen("report", str(spec), "--out", str(tmp_path / "out"), "-p", url + "/prometheus", cwd=tmp_path)
        assert done.returncode == 0, done.stderr
