"""How to reach a query API that needs more than a URL: promtool's `--http.config.file`.

The file is Prometheus' own `http_config` (the one promtool and amtool read), so a team
reuses what it already has: `basic_auth`, `authorization` (a bearer token), `tls_config`
(CA, client certificate) and `http_headers` (e.g. `X-Scope-OrgID` for Mimir/Cortex).
Secrets come from files (`password_file`, `credentials_file`) or, a slogen addition,
from environment variables (`password_env`, `credentials_env`); never from a command
line.  A Thanos or VictoriaMetrics query path is the URL's own path
(`http://vm:8481/select/0/prometheus`), as with promtool.
"""

from __future__ import annotations

import os
import ssl
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any, Optional

import httpx
import typer
import yaml

from slogen.errors import OptionError

TENANT_HEADER = "X-Scope-OrgID"

_KEYS = {
    "basic_auth": {"username", "username_file", "password", "password_file", "password_env"},
    "authorization": {"type", "credentials", "credentials_file", "credentials_env"},
    "tls_config": {"ca_file", "cert_file", "key_file", "insecure_skip_verify"},
}
_TOP = set(_KEYS) | {"bearer_token_file", "http_headers"}


@dataclass(frozen=True)
class HTTPConfig:
    """What every request carries: headers (auth, tenant) and how TLS is verified."""

    headers: tuple[tuple[str, str], ...] = ()
    auth: tuple[str, str] | None = None
    ca_file: str | None = None
    cert_file: str | None = None
    key_file: str | None = None
    insecure_skip_verify: bool = False
    source: str = field(default="", compare=False)

    def verify(self) -> ssl.SSLContext | bool:
        """httpx's `verify`: a context with the CA and client certificate, or the default."""
        if self.insecure_skip_verify and not self.cert_file:
            return False
        if not (self.ca_file or self.cert_file):
            return True
        try:
            context = ssl.create_default_context(cafile=self.ca_file)
            if self.insecure_skip_verify:
                context.check_hostname = False
                context.verify_mode = ssl.CERT_NONE
            if self.cert_file:
                context.load_cert_chain(self.cert_file, self.key_file)
        except (OSError, ssl.SSLError) as err:
            raise OptionError(f"{self.source}: tls_config: cannot load the certificates: {err}") from None
        return context

    def client(self, base_url: str, timeout: float) -> httpx.Client:
        """An httpx client for `base_url` that sends this config with every request."""
        auth = httpx.BasicAuth(*self.auth) if self.auth else None
        return httpx.Client(
            base_url=base_url, timeout=timeout, trust_env=False, headers=dict(self.headers), auth=auth, verify=self.verify()
        )


def _secret(section: str, values: dict, inline: str, file_key: str, env_key: str, source: str) -> str | None:
    given = [k for k in (inline, file_key, env_key) if values.get(k) is not None]
    if len(given) > 1:
        raise OptionError(f"{source}: {section}: give one of {', '.join(given)}")
    if values.get(file_key) is not None:
        path = _path(values[file_key], source)
        try:
            return path.read_text().strip()
        except OSError as err:
            raise OptionError(f"{source}: {section}.{file_key}: cannot read {path}: {err.strerror}") from None
    if values.get(env_key) is not None:
        name = str(values[env_key])
        if name not in os.environ:
            raise OptionError(f"{source}: {section}.{env_key}: environment variable {name} is not set")
        return os.environ[name]
    return None if values.get(inline) is None else str(values[inline])


def _path(value: Any, source: str) -> Path:
    # Prometheus resolves relative paths against the config file's folder.
    path = Path(str(value))
    return path if path.is_absolute() else Path(source).parent / path


def _section(data: dict, key: str, source: str) -> dict:
    values = data.get(key) or {}
    if not isinstance(values, dict):
        raise OptionError(f"{source}: {key}: expected a mapping")
    unknown = sorted(set(values) - _KEYS[key])
    if unknown:
        raise OptionError(f"{source}: {key}: unknown key {unknown[0]!r}")
    return values


def load_http_config(path: Path | None, tenant: str | None = None) -> HTTPConfig:
    """The config in `path` (Prometheus http_config YAML) plus a tenant header; OptionError says what is wrong."""
    data: Any = {}
    source = str(path) if path is not None else "--tenant"
    if path is not None:
        try:
            data = yaml.safe_load(path.read_text()) or {}
        except OSError as err:
            raise OptionError(f"--http.config.file {path}: cannot read it: {err.strerror}") from None
        except yaml.YAMLError as err:
            raise OptionError(f"{path}: invalid YAML: {str(err).splitlines()[0]}") from None
        if not isinstance(data, dict):
            raise OptionError(f"{path}: expected a mapping of http_config keys (basic_auth, authorization, tls_config, http_headers)")
        unknown = sorted(set(data) - _TOP)
        if unknown:
            raise OptionError(f"{path}: unknown key {unknown[0]!r}; known: {', '.join(sorted(_TOP))}")
    headers: dict[str, str] = {}
    given_headers = data.get("http_headers") or {}
    if not isinstance(given_headers, dict):
        raise OptionError(f"{source}: http_headers: expected a mapping of header names to `values: [value]`")
    for name, spec in given_headers.items():
        values = spec.get("values") if isinstance(spec, dict) else None
        if not (isinstance(values, list) and len(values) == 1):
            raise OptionError(f"{source}: http_headers.{name}: expected `values: [one value]` (secrets and files are not supported)")
        headers[str(name)] = str(values[0])
    basic = _section(data, "basic_auth", source)
    authz = _section(data, "authorization", source)
    if basic and (authz or data.get("bearer_token_file")):
        raise OptionError(f"{source}: give basic_auth or authorization, not both")
    auth = None
    if basic:
        username = _secret("basic_auth", basic, "username", "username_file", "username_env", source) or ""
        auth = (username, _secret("basic_auth", basic, "password", "password_file", "password_env", source) or "")
    if data.get("bearer_token_file"):
        if authz:
            raise OptionError(f"{source}: give authorization or bearer_token_file, not both")
        authz = {"credentials_file": data["bearer_token_file"]}
    if authz:
        token = _secret("authorization", authz, "credentials", "credentials_file", "credentials_env", source)
        if token:
            headers["Authorization"] = f"{authz.get('type', 'Bearer')} {token}"
    tls = _section(data, "tls_config", source)
    files = {k: str(_path(tls[k], source)) for k in ("ca_file", "cert_file", "key_file") if tls.get(k)}
    if ("cert_file" in files) != ("key_file" in files):
        raise OptionError(f"{source}: tls_config: cert_file and key_file go together")
    if tenant is not None:
        if not tenant.strip():
            raise OptionError("--tenant: must not be empty")
        headers[TENANT_HEADER] = tenant
    return HTTPConfig(
        headers=tuple(sorted(headers.items())),
        auth=auth,
        insecure_skip_verify=bool(tls.get("insecure_skip_verify")),
        source=source,
        **files,
    )


# The command-line options of every command that queries an engine (status, report, postmortem).
HTTPConfigOpt = Annotated[
    Optional[Path],
    typer.Option(
        "--http.config.file",
        help="Prometheus http_config YAML (as promtool's): basic_auth, authorization, tls_config, http_headers",
        show_default=False,
    ),
]
TenantOpt = Annotated[
    Optional[str], typer.Option("--tenant", help=f"Send {TENANT_HEADER}: TENANT (Mimir, Cortex)", show_default=False)
]
