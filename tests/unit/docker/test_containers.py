"""Container helpers that need no daemon."""

import pytest

from pixel_desktop.docker.containers import cpu_mem_from_stats


def test_cpu_and_memory_from_a_stats_sample():
    sample = {
        "cpu_stats": {
            "cpu_usage": {"total_usage": 2_000},
            "system_cpu_usage": 20_000,
            "online_cpus": 2,
        },
        "precpu_stats": {"cpu_usage": {"total_usage": 1_000}, "system_cpu_usage": 10_000},
        "memory_stats": {
            "usage": 50_000_000,
            "limit": 1_000_000_000,
            "stats": {"inactive_file": 10_000_000},
        },
    }
    cpu, mem, limit = cpu_mem_from_stats(sample)
    assert cpu == pytest.approx(20.0)
    assert mem == 40_000_000
    assert limit == 1_000_000_000
