"""Build counters: builds_total by status, cumulative duration histogram, active gauge."""

from pixel_desktop.build.metrics import BuildMetrics


def test_counters_histogram_and_active_gauge():
    m = BuildMetrics()
    m.started()
    m.started()
    assert m.snapshot()["active_builds"] == 2
    m.finished("completed", 45.0)
    m.finished("failed", 400.0)
    m.finished("cancelled", None, was_active=False)  # cancelled while queued
    snap = m.snapshot()
    assert snap["active_builds"] == 0
    assert snap["builds_total"] == {"completed": 1, "failed": 1, "cancelled": 1}
    buckets = snap["build_duration_seconds"]["buckets"]
    assert buckets["30"] == 0 and buckets["60"] == 1 and buckets["600"] == 2
    assert buckets["+Inf"] == 2
    assert snap["build_duration_seconds"]["count"] == 2
    text = m.prometheus()
    assert 'pixel_build_duration_seconds_bucket{le="+Inf"} 2' in text
    assert "pixel_active_builds 0" in text
