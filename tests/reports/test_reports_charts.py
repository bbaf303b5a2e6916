"""Each chart drawn from synthetic data, and the geometry a reader relies on asserted.

The checks live in chart_checks.py; the tests below also show that each check
fails on the defect it is meant to catch (an old chart's mistakes, rebuilt).
"""

from __future__ import annotations

import math
import re

import numpy as np
import pytest
from chart_checks import (
    check_chart,
    draw,
    labels_clear_of_lines,
    legend_entries_drawn,
    legends_clear_of_data,
    markers_distinguishable,
)
from hypothesis import given
from hypothesis import strategies as st
from matplotlib.figure import Figure

from runadvisor.reports import charts
from runadvisor.reports.charts import Span, speedup_bounds

CPU_BOUND = {
    "Sequential": [(1, 1.0, None)],
    "ThreadRunner": [(2, 1.05, 1.1), (4, 1.02, 1.1), (8, None, 1.1)],
    "ParallelRunner": [(1, None, 1.0), (2, 1.8, 1.9), (4, None, 1.85), (8, None, 1.8)],
}


def band(fig: Figure) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The speed-up band's (workers, lower, upper), read back from the drawn polygon."""
    ax = fig.axes[0]
    (poly,) = [c for c in ax.collections if c.get_label().startswith("what the graph")]
    xy = poly.get_paths()[0].vertices
    xs = np.unique(np.round(xy[:, 0], 9))
    lower = np.array([xy[np.isclose(xy[:, 0], x), 1].min() for x in xs])
    upper = np.array([xy[np.isclose(xy[:, 0], x), 1].max() for x in xs])
    return xs, lower, upper


# --- the speed-up band --------------------------------------------------------------------------
@pytest.mark.parametrize(("t1", "t_inf"), [(5.0, 5.0 / 11), (2.3, 1.14), (1.0, 0.999), (8.0, 0.1)])
def test_band_is_one_at_one_worker(t1, t_inf):
    fig = charts.speedup_chart(t1, t_inf, CPU_BOUND, cores=2, cpu_demand=1.0)
    xs, lower, upper = band(fig)
    assert xs[0] == pytest.approx(1.0)
    assert lower[0] == pytest.approx(1.0) and upper[0] == pytest.approx(1.0)


def test_band_never_above_the_cores_for_cpu_bound_work():
    """The CPU example: parallelism 11 on 2 cores once allowed 6.4x at 8 workers."""
    fig = charts.speedup_chart(5.0, 5.0 / 11, CPU_BOUND, cores=2, cpu_demand=1.0)
    xs, lower, upper = band(fig)
    assert xs.max() == pytest.approx(8.0)
    assert upper.max() <= 2.0 + 1e-9
    assert (lower <= upper + 1e-9).all()


def test_band_of_waiting_work_may_pass_the_cores():
    """Sleeping nodes need no core: eight of them overlap on two cores."""
    series = {"ThreadRunner": [(2, 1.9, 2.0), (8, 7.1, 7.5)]}
    fig = charts.speedup_chart(8.0, 1.0, series, cores=2, cpu_demand=0.05)
    _, _, upper = band(fig)
    assert upper[-1] == pytest.approx(8.0)  # capped by the parallelism T1/T_inf = 8 only


@given(
    t1=st.floats(0.01, 100),
    share=st.floats(0.001, 1.0),
    cores=st.integers(1, 64),
    demand=st.floats(0.0, 1.0),
    workers=st.lists(st.integers(1, 64), min_size=2, max_size=6),
)
def test_bounds_hold_their_definition(t1, share, cores, demand, workers):
    t_inf = t1 * share
    previous = (1.0, 1.0)
    assert speedup_bounds(t1, t_inf, 1, cores=cores, cpu_demand=demand) == pytest.approx((1.0, 1.0))
    for p in sorted(set(workers)):
        low, high = speedup_bounds(t1, t_inf, p, cores=cores, cpu_demand=demand)
        assert 1.0 - 1e-9 <= low <= high + 1e-9
        assert high <= min(p, t1 / t_inf) + 1e-9  # no more than the workers, nor the graph allows
        if demand > 0:  # no more than the cores can run: the cores themselves when CPU-bound
            assert high <= max(1.0, cores / demand) + 1e-9
        assert low >= previous[0] - 1e-9 and high >= previous[1] - 1e-9  # more workers never hurt
        previous = (low, high)


# --- legends, labels, points -----------------------------------------------------------------
def test_every_speedup_legend_entry_is_visible_and_no_point_hides_another():
    fig = charts.speedup_chart(
        5.0, 5.0 / 11, CPU_BOUND, cores=2, cpu_demand=1.0, highlight=("ParallelRunner", 2)
    )
    check_chart(fig)
    legend = [t.get_text() for t in fig.axes[0].get_legend().get_texts()]
    assert "linear speed-up (P\u00d7)" in legend and "recommended" in legend
    assert any(entry.startswith("what 2 cores allow") for entry in legend)


def test_the_ideal_line_is_not_hidden_under_the_band_edge():
    """The defect: the diagonal ran under the band's upper edge, drawn later on top of it."""
    fig = charts.speedup_chart(5.0, 5.0 / 11, CPU_BOUND, cores=8, cpu_demand=1.0)
    assert legend_entries_drawn(fig) == []
    ax = fig.axes[0]
    (ideal,) = [line for line in ax.lines if line.get_label().startswith("linear")]
    # Rebuild the old mistake: an opaque edge line drawn over the diagonal.
    ax.plot(ideal.get_xdata(), ideal.get_ydata(), color="green", linewidth=1.5, zorder=4)
    assert any("linear" in p for p in legend_entries_drawn(fig))


def test_points_of_runners_at_the_same_worker_count_do_not_pile_up():
    same = {
        "SequentialRunner": [(1, 1.0, None)],
        "ThreadRunner": [(1, None, 1.0), (2, 1.5, 1.5)],
        "ParallelRunner": [(1, None, 1.0), (2, 1.5, 1.5)],
    }
    fig = charts.speedup_chart(
        2.0, 1.0, same, cores=4, cpu_demand=1.0, highlight=("ThreadRunner", 2)
    )
    assert markers_distinguishable(fig) == []
    ax = fig.axes[0]  # the old chart: every runner at the exact worker count
    for line in ax.lines[:]:
        if line.get_marker() not in ("None", None) and line.get_label() != "recommended":
            ax.plot(
                [round(x) for x in line.get_xdata()],
                line.get_ydata(),
                marker="o",
                markersize=line.get_markersize(),
                markerfacecolor=line.get_markerfacecolor(),
                linestyle="none",
                label=f"{line.get_label()} exact",
            )
    assert markers_distinguishable(fig)


@pytest.mark.parametrize("workers", [[1, 2, 3], [1, 2, 4, 8], list(range(1, 33))])
def test_worker_ticks_are_integers(workers):
    series = {"ThreadRunner": [(w, None, 1.0 + w / 10) for w in workers]}
    fig = charts.speedup_chart(3.0, 1.0, series, cores=4, cpu_demand=0.5)
    draw(fig)
    ticks = [
        t
        for t in fig.axes[0].get_xticks()
        if fig.axes[0].get_xlim()[0] <= t <= fig.axes[0].get_xlim()[1]
    ]
    assert ticks and all(float(t).is_integer() for t in ticks)


def test_labels_clear_of_lines_catches_a_struck_through_label():
    """The defect: the parallelism label sat on the band's edge."""
    fig = charts.speedup_chart(5.0, 5.0 / 11, CPU_BOUND, cores=2, cpu_demand=1.0)
    assert labels_clear_of_lines(fig) == []
    fig.axes[0].text(1.5, 1.5, "parallelism T1/T\u221e = 11", ha="center", va="center")
    assert labels_clear_of_lines(fig)


def test_wall_time_chart_labels_every_candidate_and_its_values_stay_clear():
    labels = ["SequentialRunner", "ThreadRunner(1)", "ThreadRunner(2)", "ParallelRunner(4)"]
    fig = charts.wall_time_chart(
        labels,
        [2.3, 2.3, 1.5, 1.2],
        [[5.0, 5.1, 5.3], [], [4.0, 4.5, 6.2], []],
        highlight=2,
        notes=[None, "skipped", None, "timeout"],
    )
    check_chart(fig)
    texts = [t.get_text().strip() for t in fig.axes[0].texts]
    assert "skipped" in texts and "timeout" in texts
    assert any(re.fullmatch(r"[\d.]+ s", t) for t in texts)


def test_legend_check_catches_a_legend_on_the_data():
    """The notebook's old defect: a default legend placed over a bar."""
    fig = Figure(figsize=(4, 3))
    ax = fig.subplots()
    ax.bar([0, 1, 2], [3.0, 3.0, 3.0], label="measured")
    ax.legend(loc="upper left")
    assert legends_clear_of_data(fig)


# --- one run's charts ----------------------------------------------------------------------------
SPANS = [
    Span("generate_orders", "thread 1", 0.0, 0.5, 0.45),
    Span("aggregate_regional_sales_by_customer_segment", "thread 1", 0.5, 0.56, 0.01),
    Span("agg", "thread 2", 0.0, 0.02, 0.0),
    Span("bootstrap_north", "thread 2", 0.05, 1.0, 0.3, cpu_wait=0.55),
    Span("fetch", "thread 3", 0.1, 0.9, 0.01),
    Span("broken", "thread 3", 0.9, 1.0, 0.05, failed=True),
]


def test_gantt_names_are_whole_or_absent_and_every_bar_has_its_full_name():
    fig = charts.gantt_chart(SPANS, wall=1.0, memory=([0.0, 0.5, 1.0], [1e8, 2e8, 1.5e8]))
    check_chart(fig)
    renderer = draw(fig)
    ax = fig.axes[0]
    names = {s.name for s in SPANS}
    for text in ax.texts:
        written = text.get_text().replace("\n", "")
        assert written in names and "\u2026" not in text.get_text()
        bar = next(
            p
            for p in ax.patches
            if p.get_gid()
            and p.get_window_extent(renderer).contains(
                *text.get_window_extent(renderer).get_points().mean(axis=0)
            )
        )
        assert text.get_window_extent(renderer).width <= bar.get_window_extent(renderer).width
    svg = charts.figure_to_svg(fig)
    for name in names:
        assert re.search(rf"<title>{re.escape(name)} \(thread \d\)", svg), name
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert legend == [
        "mostly computing",
        "mostly waiting for a CPU",
        "mostly off the CPU (I/O, sleep, locks, GIL)",
        "failed",
    ]


def test_node_time_chart_splits_the_wait_for_a_cpu_by_cause():
    fig = charts.node_time_chart(
        ["a", "b"],
        [0.2, 0.1],
        [0.05, None],
        [0.7, 0.3],
        cpu_wait=[0.6, 0.1],
        cpu_wait_own=[0.4, 0.0],
    )
    check_chart(fig)
    ax = fig.axes[0]
    widths = {}
    for container in ax.containers:
        widths[container.get_label()] = [p.get_width() for p in container.patches]
    factor = 1000  # ms
    assert widths["waiting for a CPU: own workers outnumber cores"] == pytest.approx(
        [0.4 * factor, 0.0]
    )
    assert widths["waiting for a CPU: other processes"] == pytest.approx(
        [0.2 * factor, 0.1 * factor]
    )
    assert widths["off the CPU (I/O, sleep, locks)"] == pytest.approx([0.1 * factor, 0.2 * factor])
    total = [sum(w[i] for w in widths.values()) for i in range(2)]
    assert total == pytest.approx([0.9 * factor, 0.4 * factor])  # the pieces add up to the wall


def test_memory_is_small_multiples_on_one_memory_scale():
    series = {f"run {i}": ([0.0, 1.0, 2.0 + i], [1e8, (2 + i) * 1e8, 1e8]) for i in range(5)}
    fig = charts.memory_chart(series)
    check_chart(fig)
    used = [ax for ax in fig.axes if ax.lines]
    assert len(used) == 5 and all(len(ax.lines) == 2 for ax in used)  # its line and its peak
    assert len({ax.get_ylim() for ax in used}) == 1  # one memory scale
    assert [ax.get_xlim()[1] for ax in used] == sorted(ax.get_xlim()[1] for ax in used)  # own times


def test_charts_with_no_data_still_render():
    for fig in (
        charts.wall_time_chart([], [], []),
        charts.speedup_chart(None, None, {}),
        charts.gantt_chart([]),
        charts.node_time_chart([], [], [], []),
        charts.memory_chart({}),
    ):
        assert charts.figure_to_svg(fig).startswith("<svg")
        assert charts.figure_to_png(fig, dpi=40)[:4] == b"\x89PNG"


def test_charts_take_dollar_signs_and_odd_numbers_literally():
    name = "cost $x$ \\alpha"
    for fig in (
        charts.gantt_chart(
            [Span(name, "thread 1", 0.0, 1.0, 0.9), Span("b", "t2", 0.5, 0.6, 0.0)],
            memory=([0.0, 0.5, 1.0], [1e6, 2e6, 1.5e6]),
        ),
        charts.node_time_chart([name], [0.5], [None], [0.1]),
        charts.wall_time_chart([name], [math.nan], [[]], notes=["crashed"]),
        charts.speedup_chart(1.0, 0.0, {"ThreadRunner": [(2, None, math.inf)]}),
        charts.memory_chart({name: ([0.0], [0])}),
    ):
        assert charts.figure_to_svg(fig).startswith("<svg")


def test_svg_tooltips_are_escaped_and_ids_prefixed():
    fig = charts.gantt_chart([Span("<script>alert(1)</script>", "thread 1", 0.0, 1.0, 0.9)])
    svg = charts.figure_to_svg(fig, id_prefix="c7-")
    assert "<script" not in svg and "&lt;script&gt;alert(1)&lt;/script&gt;" in svg
    ids = re.findall(r'\bid="([^"]+)"', svg)
    assert ids and all(i.startswith("c7-") for i in ids)
    refs = re.findall(r'href="#([^"]+)"|url\(#([^)]+)\)', svg)
    assert all((a or b).startswith("c7-") for a, b in refs)
