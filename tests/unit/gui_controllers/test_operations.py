"""Named GUI operations: handlers, default error reporting, stale results dropped (no Qt)."""

from __future__ import annotations

import pytest
from gui_controller_fakes import SyncRunner

from pixel_desktop.gui import operations
from pixel_desktop.gui.operations import ChangeOp, Latest, QueryOp


def test_success_handler_receives_the_ops_result() -> None:
    got: list[int] = []
    QueryOp("answer", lambda: 42).success(got.append).run_in_background(SyncRunner())
    assert got == [42]


def test_failure_handler_receives_the_exception_and_success_is_not_called() -> None:
    got: list[object] = []
    errors: list[BaseException] = []

    def boom() -> int:
        raise ValueError("no store")

    ChangeOp("write", boom).success(got.append).failure(errors.append).run_in_background(SyncRunner())
    assert got == [] and isinstance(errors[0], ValueError)


def test_a_failure_without_handler_is_reported_not_dropped(monkeypatch: pytest.MonkeyPatch) -> None:
    reported: list[BaseException] = []
    monkeypatch.setattr(operations, "_report", reported.append)

    def boom() -> None:
        raise RuntimeError("daemon down")

    QueryOp("probe", boom).run_in_background(SyncRunner())
    assert [str(e) for e in reported] == ["daemon down"]


def test_ignore_failure_is_explicit_and_silent(monkeypatch: pytest.MonkeyPatch) -> None:
    reported: list[BaseException] = []
    monkeypatch.setattr(operations, "_report", reported.append)

    def boom() -> None:
        raise RuntimeError("daemon down")

    QueryOp("probe", boom).ignore_failure().run_in_background(SyncRunner())
    assert reported == []


def test_latest_drops_a_result_that_arrives_after_a_newer_request() -> None:
    latest = Latest()
    shown: list[str] = []
    first = latest.wrap(latest.next(), shown.append)
    second = latest.wrap(latest.next(), shown.append)
    second("build 2")
    first("build 1 (slow)")
    assert shown == ["build 2"]


def test_named_build_operations_call_the_services_they_name(tmp_path) -> None:
    from pixel_desktop.gui.operations import builds

    class FakeServices:
        def __init__(self) -> None:
            self.calls: list[tuple] = []

        def submit_build(self, slug: str, *, push_registry: str | None = None) -> int:
            self.calls.append(("submit", slug, push_registry))
            return 7

        def read_log(self, build_id: int, tail: int | None = None) -> list[str]:
            return ["a", "b\n"]

    services = FakeServices()
    assert builds.submit_build(services, "acme", push_registry="reg").run_now() == 7  # type: ignore[arg-type]
    assert services.calls == [("submit", "acme", "reg")]
    out = tmp_path / "build.log"
    assert builds.save_log(services, 7, out).run_now() == 2  # type: ignore[arg-type]
    assert out.read_text(encoding="utf-8") == "a\nb\n"
