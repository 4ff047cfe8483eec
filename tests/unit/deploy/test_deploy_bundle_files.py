"""Bundle text files keep user text as data, never leak secrets, and the archive is reproducible."""

from __future__ import annotations

import hashlib
import json
import tarfile
from pathlib import Path

import pytest
import yaml

from pixel_desktop.deploy import bundle
from pixel_desktop.errors import DeployError, InputError
from pixel_desktop.spec import spec_from_data

REPO = Path(__file__).resolve().parents[3]
HOSTILE = "x\" evil: ${HOME} `rm -rf /` \\ 'q' # not a comment"


def _spec():
    data = yaml.safe_load((REPO / "examples" / "acme-support.yaml").read_text(encoding="utf-8"))
    data["deployment"] = {
        "port": 8123,
        "env_vars": {"GREETING": HOSTILE, "LOG_LEVEL": "info"},
        "secret_env": ["LLM_API_KEY"],
    }
    return spec_from_data(data)


class FakeLocal:
    def __init__(self, present: set[str]) -> None:
        self.present = present
        self.saved: list[list[str]] = []

    def image_exists(self, ref: str) -> bool:
        return ref in self.present

    def save_stream(self, refs):
        self.saved.append(list(refs))
        yield b"image-tar:" + ",".join(refs).encode()
        yield b"\0" * 4096


def _k8s(text: str) -> dict[str, dict]:
    return {d["kind"]: d for d in yaml.safe_load_all(text)}


def test_compose_and_k8s_start_the_assistant_on_the_specs_port() -> None:
    """PORT is reserved in env_vars, so the bundle itself tells the container its port (the
    image's default is the port at build time, which a later spec edit may have changed)."""
    spec = _spec()
    compose = yaml.safe_load(bundle.compose_file("acme", spec, "pixel/acme:b7", "nginx:local"))
    assert compose["services"]["assistant"]["environment"]["PORT"] == "8123"
    docs = _k8s(bundle.k8s_manifest("acme", spec, "pixel/acme:b7"))
    assert docs["ConfigMap"]["data"]["PORT"] == "8123"
    container = docs["Deployment"]["spec"]["template"]["spec"]["containers"][0]
    assert container["ports"][0]["containerPort"] == 8123


def test_compose_and_k8s_are_valid_and_carry_hostile_env_values_verbatim() -> None:
    spec = _spec()
    compose = yaml.safe_load(bundle.compose_file("acme", spec, "pixel/acme:b7", "nginx:local"))
    env = compose["services"]["assistant"]["environment"]
    assert env["GREETING"] == HOSTILE.replace("$", "$$")  # compose turns $$ back into $
    assert env["LLM_API_KEY"] == "${LLM_API_KEY:-}"
    assert compose["services"]["assistant"]["image"] == "pixel/acme:b7"
    assert "build" not in compose["services"]["assistant"], "the bundle has no source to build"
    assert compose["services"]["assistant"]["restart"] == "unless-stopped"
    assert compose["services"]["nginx"]["ports"] == ["${HTTP_PORT:-8080}:80"]
    assert compose["services"]["nginx"]["image"] == "nginx:local"
    assert set(compose["services"]) == {"assistant", "nginx"}
    docs = _k8s(bundle.k8s_manifest("acme", spec, "pixel/acme:b7"))
    assert list(docs) == ["ConfigMap", "Deployment", "Service"]
    assert docs["ConfigMap"]["data"]["GREETING"] == HOSTILE
    container = docs["Deployment"]["spec"]["template"]["spec"]["containers"][0]
    assert container["image"] == "pixel/acme:b7"
    assert container["readinessProbe"]["httpGet"]["path"] == "/health"
    assert "http://assistant:8123" in bundle.nginx_conf(spec)


CONTROL = "bell\a esc\x1b[31m nel\x85 ls\u2028 ps\u2029 tab\t del\x7f"


def test_control_characters_in_env_values_reach_compose_and_k8s_unchanged() -> None:
    """YAML folds NEL and U+2028/2029 into spaces in plain or badly quoted scalars, and
    rejects raw control characters; the bundle's files must still carry the exact value."""
    data = yaml.safe_load((REPO / "examples" / "acme-support.yaml").read_text(encoding="utf-8"))
    data["deployment"] = {"port": 8123, "env_vars": {"NOTE": CONTROL}, "secret_env": []}
    spec = spec_from_data(data)

    compose = yaml.safe_load(bundle.compose_file("acme", spec, "pixel/acme:b7", "nginx:local"))
    docs = _k8s(bundle.k8s_manifest("acme", spec, "pixel/acme:b7"))

    assert compose["services"]["assistant"]["environment"]["NOTE"] == CONTROL
    assert docs["ConfigMap"]["data"]["NOTE"] == CONTROL


def test_bundled_files_carry_the_generated_services_hardening() -> None:
    spec = _spec()
    assistant = yaml.safe_load(bundle.compose_file("acme", spec, "pixel/acme:b7", "nginx:local"))[
        "services"
    ]["assistant"]
    assert assistant["read_only"] is True
    assert assistant["cap_drop"] == ["ALL"]
    assert assistant["security_opt"] == ["no-new-privileges:true"]
    pod = _k8s(bundle.k8s_manifest("acme", spec, "pixel/acme:b7"))["Deployment"]["spec"][
        "template"
    ]["spec"]
    assert pod["automountServiceAccountToken"] is False
    security = pod["containers"][0]["securityContext"]
    assert security["runAsNonRoot"] is True and security["readOnlyRootFilesystem"] is True
    assert security["allowPrivilegeEscalation"] is False
    assert pod["containers"][0]["resources"]["limits"]["memory"]
    conf = bundle.nginx_conf(spec)
    assert "server_tokens off;" in conf and "limit_req zone=" in conf


def test_env_example_names_secrets_without_values() -> None:
    text = bundle.env_example(_spec())
    assert "LLM_API_KEY=\n" in text
    assert HOSTILE not in text


def test_the_same_build_gives_a_byte_identical_bundle_in_a_fixed_member_order(tmp_path) -> None:
    spec = _spec()
    digests = []
    for name in ("a.tar.gz", "b.tar.gz"):
        local = FakeLocal({"pixel/acme:b7"})
        result = bundle.write_bundle(
            slug="acme",
            spec=spec,
            image_ref="pixel/acme:b7",
            output=tmp_path / name,
            local=local,
            nginx_image="nginx:absent",
            mtime=1_700_000_000,
        )
        assert local.saved == [["pixel/acme:b7"]]  # nginx not present: not asked for
        assert result.nginx_included is False
        digests.append(hashlib.sha256((tmp_path / name).read_bytes()).hexdigest())
    assert digests[0] == digests[1]
    with tarfile.open(tmp_path / "a.tar.gz") as tar:
        assert tar.getnames() == [
            "acme/.env.example",
            "acme/README.md",
            "acme/docker-compose.yml",
            "acme/k8s.yaml",
            "acme/nginx.conf",
            "acme/images.tar",
        ]
        assert {m.mtime for m in tar.getmembers()} == {1_700_000_000}
        readme = tar.extractfile("acme/README.md").read().decode()
    assert "nginx:absent" in readme and "docker load -i images.tar" in readme
    assert list(tmp_path.glob(".bundle-*")) == []


def test_nginx_image_is_saved_with_the_assistant_when_present(tmp_path) -> None:
    local = FakeLocal({"pixel/acme:b7", "nginx:local"})
    result = bundle.write_bundle(
        slug="acme",
        spec=_spec(),
        image_ref="pixel/acme:b7",
        output=tmp_path / "x.tgz",
        local=local,
        nginx_image="nginx:local",
    )
    assert local.saved == [["pixel/acme:b7", "nginx:local"]]
    assert result.nginx_included is True
    assert json.loads(json.dumps(bundle.bundle_summary(result)))["members"][-1] == "acme/images.tar"


def test_bad_output_paths_and_missing_images_are_refused(tmp_path) -> None:
    spec = _spec()
    with pytest.raises(InputError, match=r"\.tar\.gz"):
        bundle.write_bundle(
            slug="acme",
            spec=spec,
            image_ref="i:1",
            output=tmp_path / "x.zip",
            local=FakeLocal({"i:1"}),
        )
    with pytest.raises(InputError, match="does not exist"):
        bundle.write_bundle(
            slug="acme",
            spec=spec,
            image_ref="i:1",
            output=tmp_path / "no" / "x.tar.gz",
            local=FakeLocal({"i:1"}),
        )
    with pytest.raises(DeployError, match="pixel build acme"):
        bundle.write_bundle(
            slug="acme",
            spec=spec,
            image_ref="i:1",
            output=tmp_path / "x.tar.gz",
            local=FakeLocal(set()),
        )


class BigLocal(FakeLocal):
    def save_stream(self, refs):
        self.saved.append(list(refs))
        for i in range(64):
            yield bytes([i]) * 65536  # 4 MB of "image"


def test_a_bundle_says_how_far_compressing_got_and_carries_the_image_intact(tmp_path) -> None:
    said: list[str] = []
    bundle.write_bundle(
        slug="acme", spec=_spec(), image_ref="pixel/acme:b7", output=tmp_path / "x.tar.gz",
        local=BigLocal({"pixel/acme:b7"}), nginx_image="nginx:absent", on_log=said.append,
    )
    progress = [line for line in said if line.startswith(("saved", "compressing"))]
    assert progress[0].startswith("saved 4 MB in ")
    assert progress[1:] == [f"compressing: {p}% of 4 MB" for p in (25, 50, 75)]
    assert said[-1].startswith(f"wrote {tmp_path / 'x.tar.gz'}")
    with tarfile.open(tmp_path / "x.tar.gz") as tar:
        images = tar.extractfile("acme/images.tar").read()
    assert images == b"".join(bytes([i]) * 65536 for i in range(64))


def test_bundle_help_names_the_default_build_and_nginx_image(capsys) -> None:
    from pixel_desktop.cli.main import main

    with pytest.raises(SystemExit) as done:
        main(["bundle", "--help"])
    assert done.value.code == 0
    text = " ".join(capsys.readouterr().out.split())
    assert "newest completed build" in text and bundle.DEFAULT_NGINX_IMAGE in text
