"""Chart axes: a minimum span per unit and nice bounds (no 30-byte "jump" in the size chart)."""

from __future__ import annotations

from pixel_desktop.gui.widgets.chart_ranges import min_span_for, nice_range, nice_step


def test_thirty_bytes_between_image_sizes_is_a_flat_line_on_a_ten_mb_axis():
    low, high = nice_range([215.90434, 215.90437], min_span_for("MB"))
    assert high - low >= 10.0
    assert low <= 215.90434 and high >= 215.90437
    assert low == round(low) and high == round(high)  # whole MB bounds


def test_a_real_size_change_still_fills_the_axis():
    low, high = nice_range([120.0, 216.0], min_span_for("MB"))
    assert low <= 120.0 and high >= 216.0 and high - low <= 150.0


def test_bars_start_at_zero_and_are_at_least_the_min_span_tall():
    assert nice_range([0.2, 0.4], min_span_for("s"), from_zero=True) == (0.0, 5.0)
    low, high = nice_range([0.5, 42.0], min_span_for("s"), from_zero=True)
    assert low == 0.0 and 42.0 < high <= 60.0


def test_a_small_span_near_zero_does_not_go_negative():
    low, high = nice_range([0.3, 0.4], min_span_for("%"))
    assert low == 0.0 and high >= 10.0


def test_steps_are_one_two_five():
    assert [nice_step(x) for x in (0.7, 1.0, 1.3, 3.0, 7.0, 23.0)] == [1.0, 1.0, 2.0, 5.0, 10.0, 50.0]


def test_no_data_still_gives_a_drawable_range():
    low, high = nice_range([], min_span_for("MiB"), from_zero=True)
    assert low == 0.0 and high >= 16.0
