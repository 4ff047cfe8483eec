"""Talks to a registry's ``/v2/`` API directly (httpx), independent of the Docker daemon.

Why: after a push the daemon's own word is not proof — the digest is verified by asking the
registry for the manifest, and ``pixel registries check`` must tell "wrong password" from
"no push permission" from "unreachable" without pushing a real image. Supports basic auth
and the bearer-token flow (``WWW-Authenticate: Bearer realm=...``).

Credentials travel only over TLS or to a real loopback address (an IP literal that is
loopback, or ``localhost``): a registry is reached over plain HTTP only then, or when the user
marked it ``insecure``; and the token realm, which the *registry* names, gets the username
and password only over https, on loopback, or on the insecure registry's own host. Names
are never resolved to decide this (``localhostregistry.example.com`` is a remote host, and
DNS could answer differently at connect time).
"""

from __future__ import annotations

import contextlib
import hashlib
import ipaddress
import re
from dataclasses import dataclass

import httpx

from pixel_desktop.errors import RegistryError

MANIFEST_ACCEPT = ", ".join(
    (
        "application/vnd.docker.distribution.manifest.v2+json",
        "application/vnd.oci.image.manifest.v1+json",
        "application/vnd.docker.distribution.manifest.list.v2+json",
        "application/vnd.oci.image.index.v1+json",
    )
)
_BEARER_RE = re.compile(r'(\w+)="([^"]*)"')


def is_loopback_host(host: str) -> bool:
    """True for ``localhost`` and loopback IP literals (``127.0.0.0/8``, ``::1``), bracketed
    or not; never for a name that merely starts with "localhost" or "127."."""
    host = host.strip().lower()
    if host.startswith("[") and host.endswith("]"):
        host = host[1:-1]
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _split_address(address: str) -> tuple[str, int | None]:
    """(host, port) of a registry address ``host[:port]`` (IPv6 in brackets)."""
    url = httpx.URL(f"http://{address}")
    return url.host, url.port


@dataclass(frozen=True, slots=True)
class CheckResult:
    ok: bool
    verdict: str  # one sentence for the user
    kind: str  # ok | unauthorized | forbidden | unreachable | insecure | error


class RegistryAPI:
    def __init__(
        self,
        address: str,
        username: str | None = None,
        password: str | None = None,
        *,
        insecure: bool = False,
        timeout: float = 15.0,
    ) -> None:
        self.address = address.rstrip("/").removeprefix("https://").removeprefix("http://")
        self.username, self.password = username, password
        self._host, self._port = _split_address(self.address)
        self._insecure = insecure
        plain_ok = insecure or is_loopback_host(self._host)
        self._schemes = ["http"] if insecure else (["https", "http"] if plain_ok else ["https"])
        self._timeout = timeout
        self._base: str | None = None

    # ---------------------------------------------------------------- transport
    def _client(self) -> httpx.Client:
        return httpx.Client(timeout=self._timeout, follow_redirects=True)

    def _base_url(self, client: httpx.Client) -> str:
        if self._base:
            return self._base
        last: Exception | None = None
        for scheme in self._schemes:
            url = f"{scheme}://{self.address}"
            try:
                client.get(f"{url}/v2/")
            except httpx.HTTPError as exc:
                last = exc
                continue
            self._base = url
            return url
        raise RegistryError(
            f"Registry {self.address} is unreachable: {last}. Check the address and that it is running.",
            kind="unreachable",
        )

    def _request(self, method: str, path: str, *, scope: str, **kw: object) -> httpx.Response:
        """One request with basic auth, upgrading to a bearer token when the registry asks."""
        with self._client() as client:
            base = self._base_url(client)
            auth = (self.username, self.password or "") if self.username else None
            try:
                resp = client.request(method, f"{base}{path}", auth=auth, **kw)  # type: ignore[arg-type]
                challenge = resp.headers.get("www-authenticate", "")
                if resp.status_code == 401 and challenge.lower().startswith("bearer"):
                    token = self._token(client, challenge, scope)
                    headers = dict(kw.pop("headers", {}) or {})  # type: ignore[call-overload]
                    headers["Authorization"] = f"Bearer {token}"
                    resp = client.request(method, f"{base}{path}", headers=headers, **kw)  # type: ignore[arg-type]
            except httpx.HTTPError as exc:
                raise RegistryError(
                    f"Registry {self.address} is unreachable: {exc}.", kind="unreachable"
                ) from exc
            return resp

    def may_send_credentials(self, url: str) -> bool:
        """Whether the username and password may go to ``url``: over https, to a loopback
        address, or over plain HTTP to this registry's own host when the user marked it
        insecure (their explicit choice, as in Docker's insecure-registries)."""
        try:
            target = httpx.URL(url)
        except httpx.InvalidURL:
            return False
        if target.scheme == "https":
            return True
        if target.scheme != "http" or not target.host:
            return False
        if is_loopback_host(target.host):
            return True
        return self._insecure and (target.host, target.port or 80) == (
            self._host,
            self._port or 80,
        )

    def _token(self, client: httpx.Client, challenge: str, scope: str) -> str:
        params = dict(_BEARER_RE.findall(challenge))
        realm = params.pop("realm", None)
        if not realm:
            raise RegistryError(f"Registry {self.address} sent an unusable auth challenge.")
        params["scope"] = scope
        auth = (self.username, self.password or "") if self.username else None
        if auth and not self.may_send_credentials(realm):
            raise RegistryError(
                f"Registry {self.address} asks for the password to be sent to {realm} over "
                "plain HTTP; it is only sent over https or to a loopback address. Configure the "
                "registry's token service with TLS.",
                kind="insecure",
            )
        resp = client.get(realm, params=params, auth=auth)
        if resp.status_code in (401, 403):
            raise RegistryError(
                f"Registry {self.address} rejected the username or password (unauthorized).",
                kind="unauthorized",
            )
        resp.raise_for_status()
        data = resp.json()
        return str(data.get("token") or data.get("access_token") or "")

    # ---------------------------------------------------------------- operations
    def manifest_digest(self, repository: str, reference: str) -> str:
        """The digest the registry serves for ``repository:reference``."""
        resp = self._request(
            "GET",
            f"/v2/{repository}/manifests/{reference}",
            scope=f"repository:{repository}:pull",
            headers={"Accept": MANIFEST_ACCEPT},
        )
        if resp.status_code == 401:
            raise RegistryError(f"Registry {self.address}: unauthorized.", kind="unauthorized")
        if resp.status_code == 404:
            raise RegistryError(
                f"Registry {self.address} has no manifest {repository}:{reference}.",
                kind="not_found",
            )
        if resp.status_code >= 400:
            raise RegistryError(f"Registry {self.address} answered {resp.status_code}.")
        return resp.headers.get("docker-content-digest") or (
            "sha256:" + hashlib.sha256(resp.content).hexdigest()
        )

    def check(self, namespace: str = "pixel-check") -> CheckResult:
        """Login and push permission, proven by opening (then cancelling) a blob upload."""
        try:
            ping = self._request("GET", "/v2/", scope="registry:catalog:*")
        except RegistryError as exc:
            return CheckResult(False, str(exc), exc.kind)
        if ping.status_code == 401:
            who = f"user {self.username}" if self.username else "anonymous access"
            return CheckResult(
                False,
                f"Registry {self.address} rejected {who} (unauthorized): check the username and "
                "password (`pixel registries remove` it, then add it again with --password-stdin).",
                "unauthorized",
            )
        if ping.status_code >= 400:
            return CheckResult(
                False, f"Registry {self.address} answered {ping.status_code} on /v2/.", "error"
            )
        repo = f"{namespace}/permission-probe"
        try:
            upload = self._request(
                "POST", f"/v2/{repo}/blobs/uploads/", scope=f"repository:{repo}:push,pull"
            )
        except RegistryError as exc:
            return CheckResult(False, str(exc), exc.kind)
        if upload.status_code == 202:
            location = upload.headers.get("location")
            if location:
                path = (
                    location if location.startswith("/") else httpx.URL(location).raw_path.decode()
                )
                # an abandoned upload is garbage-collected by the registry anyway
                with contextlib.suppress(RegistryError):
                    self._request("DELETE", path, scope=f"repository:{repo}:push,pull")
            return CheckResult(True, f"OK: logged in to {self.address} and allowed to push.", "ok")
        if upload.status_code in (401, 403):
            return CheckResult(
                False,
                f"Logged in to {self.address} but not allowed to push ({upload.status_code}).",
                "forbidden",
            )
        return CheckResult(
            False, f"Registry {self.address} refused a test upload ({upload.status_code}).", "error"
        )
