"""Wheelhouse cache keys and pip target flags, derived from the probed base-image Python."""

from pixel_desktop.build import wheelhouse as wh

BOOKWORM_X86 = wh.TargetPython(3, 11, "cpython", "x86_64", "glibc", "2.36")
BOOKWORM_ARM = wh.TargetPython(3, 11, "cpython", "aarch64", "glibc", "2.36")


def test_platform_tags_follow_glibc_and_arch():
    assert BOOKWORM_X86.python_tag == "cp311"
    assert BOOKWORM_X86.platforms[0] == "manylinux_2_36_x86_64"
    assert "manylinux_2_17_x86_64" in BOOKWORM_X86.platforms
    assert "manylinux2014_x86_64" in BOOKWORM_X86.platforms
    assert all(p.endswith("aarch64") for p in BOOKWORM_ARM.platforms)


def test_cache_key_changes_with_requirements_python_and_arch():
    a = wh.cache_key("fastapi==0.115.6\n", BOOKWORM_X86)
    assert a == wh.cache_key("fastapi==0.115.6\n", BOOKWORM_X86)
    assert a != wh.cache_key("fastapi==0.115.7\n", BOOKWORM_X86)
    assert a != wh.cache_key("fastapi==0.115.6\n", BOOKWORM_ARM)
    assert a != wh.cache_key(
        "fastapi==0.115.6\n", wh.TargetPython(3, 12, "cpython", "x86_64", "glibc", "2.36")
    )


def test_unreachable_index_failure_is_explained():
    msg = wh._explain_pip_failure(
        "WARNING: Retrying ... Max retries exceeded ... Connection refused\n"
        "ERROR: Could not find a version that satisfies the requirement fastapi==0.115.6\n"
        "ERROR: No matching distribution found for fastapi==0.115.6\n",
        BOOKWORM_X86,
    )
    assert "cannot be reached" in msg and "warm" in msg


def test_missing_wheel_failure_is_explained():
    msg = wh._explain_pip_failure(
        "ERROR: Could not find a version that satisfies the requirement sdistonly==1.0\n"
        "ERROR: No matching distribution found for sdistonly==1.0\n",
        BOOKWORM_X86,
        reachable=lambda: True,
    )
    assert "no binary wheel for cp311" in msg


def test_silent_unreachable_index_is_detected_by_probing_it():
    msg = wh._explain_pip_failure(
        "ERROR: Could not find a version that satisfies the requirement x==1 (from versions: none)\n"
        "ERROR: No matching distribution found for x==1\n",
        BOOKWORM_X86,
        reachable=lambda: False,
    )
    assert "cannot be reached" in msg


def test_index_probe_sees_a_closed_port(monkeypatch):
    monkeypatch.setenv("PIP_INDEX_URL", "http://127.0.0.1:9/simple")
    assert wh.index_reachable(timeout_s=2) is False


def test_pip_warnings_about_missing_find_links_folders_are_folded_into_one_line_and_a_count() -> None:
    output = "\n".join(
        [f"WARNING: Location 'file:///opt/pypi-more/simple/{name}/' is ignored: it is neither a file nor a directory."
         for name in ("fastapi", "uvicorn", "numpy")]
        + ["Collecting fastapi==0.165.0", "", "Saved ./fastapi-0.165.0-py3-none-any.whl"]
    )
    lines = wh.pip_log_lines(output)
    assert lines[0].startswith("WARNING: Location 'file:///opt/pypi-more/simple/fastapi/' is ignored")
    assert lines[1:3] == ["Collecting fastapi==0.165.0", "Saved ./fastapi-0.165.0-py3-none-any.whl"]
    assert lines[3].startswith("(2 more 'Location ... is ignored' warnings")
    assert wh.pip_log_lines("Collecting x\n") == ["Collecting x"]
