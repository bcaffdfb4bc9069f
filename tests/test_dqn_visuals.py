"""Chapter 03-04 visuals: the target network's lag (plot and explorer widget)."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from rlcourse.plotting import QSnapshot, plot_q_snapshot, plot_target_lag  # noqa: E402
from rlcourse.widgets import dqn_target_lag_explorer  # noqa: E402


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


def snapshots():
    """Two probe states, two actions; the target copies the online network at step 200.

    step   online (max per state)   target (max per state)
    100    [1, 3] -> mean 2         [0, 0] -> mean 0
    200    [2, 4] -> mean 3         [2, 4] -> mean 3   (target update)
    300    [4, 6] -> mean 5         [2, 4] -> mean 3
    """
    def q(a, b):
        return np.array([[a, a - 1.0], [b - 2.0, b]])  # max per row: a, b

    return [QSnapshot(100, q(1, 3), q(0, 0)), QSnapshot(200, q(2, 4), q(2, 4)),
            QSnapshot(300, q(4, 6), q(2, 4))]


def test_target_lag_plots_the_mean_max_q_of_both_networks():
    ax = plot_target_lag(snapshots(), step=200)
    online, target = ax.lines[:2]
    assert list(online.get_xdata()) == [100, 200, 300]
    assert list(online.get_ydata()) == [2.0, 3.0, 5.0]
    assert list(target.get_ydata()) == [0.0, 3.0, 3.0]
    assert target.get_drawstyle() == "steps-post"  # flat between target updates
    assert list(ax.lines[2].get_xdata()) == [200, 200]  # the marked step


def test_q_snapshot_draws_one_bar_per_probe_state_and_the_mean_gap():
    ax = plot_q_snapshot(snapshots()[2])
    online, target = ax.containers
    assert [bar.get_height() for bar in online] == [4.0, 6.0]
    assert [bar.get_height() for bar in target] == [2.0, 4.0]
    assert ax.get_title() == "step 300: mean |online − target| = 2.00"


def test_plots_refuse_no_snapshots():
    with pytest.raises(ValueError, match="no snapshots"):
        plot_target_lag([])
    with pytest.raises(ValueError, match="no snapshots"):
        dqn_target_lag_explorer([])


def test_explorer_redraws_its_output_when_the_slider_moves():
    box = dqn_target_lag_explorer(snapshots())
    slider, output = box.children
    assert (slider.min, slider.max, slider.step, slider.value) == (100, 300, 100, 100)
    assert output.outputs[0]["data"]["text/plain"] == "<target lag at step 100>"
    first_image = output.outputs[0]["data"]["image/png"]
    slider.value = 300
    assert output.outputs[0]["data"]["text/plain"] == "<target lag at step 300>"
    assert output.outputs[0]["data"]["image/png"] != first_image
    assert plt.get_fignums() == []  # drawn on bare Figures: nothing left for the notebook to show
