"""Learning curves over seeds: the median line, the spread band and the common step grid."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from matplotlib.collections import PolyCollection  # noqa: E402

from rlcourse.plotting import plot_learning_curves, seed_curves  # noqa: E402
from rlcourse.runs import Metrics  # noqa: E402


def evals(steps, values):
    metrics = Metrics()
    for episode, (step, value) in enumerate(zip(steps, values)):
        metrics.log_episode(step, episode, -1.0)  # rows without the eval column are skipped
        metrics.log_eval(step, episode, value)
    return metrics


def episodes(steps, returns):
    metrics = Metrics()
    for episode, (step, value) in enumerate(zip(steps, returns)):
        metrics.log_episode(step, episode, value)
    return metrics


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


def band_vertices(ax):
    """(x, y) vertices of the single shaded band: its lower edge, then its upper edge."""
    (band,) = [c for c in ax.collections if isinstance(c, PolyCollection)]
    return band.get_paths()[0].vertices


def test_median_and_interquartile_band_of_three_seeds_on_the_same_steps():
    seeds = [evals([100, 200], [0, 10]), evals([100, 200], [10, 30]), evals([100, 200], [20, 50])]
    ax = plot_learning_curves({"DQN": seeds})
    (line,) = ax.get_lines()
    np.testing.assert_array_equal(line.get_xdata(), [100, 200])
    np.testing.assert_array_equal(line.get_ydata(), [10, 30])
    # percentiles of {0, 10, 20} are 5 and 15; of {10, 30, 50} are 20 and 40
    ys = band_vertices(ax)[:, 1]
    assert set(np.round(ys, 6)) == {5, 15, 20, 40}
    labels = [text.get_text() for text in ax.get_legend().get_texts()]
    assert labels == ["DQN: median of 3 seeds", "DQN: 25–75 % of seeds"]
    assert ax.get_xlabel() == "env steps"


def test_minmax_band_spans_worst_and_best_seed():
    seeds = [evals([100, 200], [0, 10]), evals([100, 200], [10, 30]), evals([100, 200], [20, 50])]
    ax = plot_learning_curves({"DQN": seeds}, spread="minmax")
    ys = band_vertices(ax)[:, 1]
    assert set(np.round(ys, 6)) == {0, 20, 10, 50}
    assert "min–max over seeds" in ax.get_legend().get_texts()[1].get_text()


def test_seeds_with_different_steps_are_interpolated_on_the_range_all_of_them_cover():
    # both seeds follow value = step, logged at different steps; seed b runs further
    a = episodes([0, 100], [0.0, 100.0])
    b = episodes([0, 50, 200], [0.0, 50.0, 200.0])
    steps, values = seed_curves([a, b], "episode_return", points=11)
    np.testing.assert_allclose(steps, np.linspace(0, 100, 11))  # never past seed a's last step
    np.testing.assert_allclose(values, [steps, steps])


def test_seeds_with_the_same_steps_keep_them_exactly():
    steps, values = seed_curves([evals([10, 30], [1, 2]), evals([10, 30], [3, 4])])
    np.testing.assert_array_equal(steps, [10, 30])
    np.testing.assert_array_equal(values, [[1, 2], [3, 4]])


def test_one_seed_is_a_single_curve_without_a_band():
    ax = plot_learning_curves({"Q-learning": [evals([1, 2, 3], [0.1, 0.5, 0.7])]})
    (line,) = ax.get_lines()
    np.testing.assert_array_equal(line.get_ydata(), [0.1, 0.5, 0.7])
    assert not [c for c in ax.collections if isinstance(c, PolyCollection)]
    assert ax.get_legend().get_texts()[0].get_text() == "Q-learning (1 seed)"


def test_threshold_line_title_and_given_axes():
    _, given = plt.subplots()
    ax = plot_learning_curves({"a": [evals([1, 2], [0, 1])], "b": [evals([1, 2], [1, 2])]},
                              threshold=475, ax=given, title="CartPole-v1")
    assert ax is given
    threshold_line = ax.get_lines()[-1]
    np.testing.assert_array_equal(threshold_line.get_ydata(), [475, 475])
    assert ax.get_title() == "CartPole-v1"
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["a (1 seed)", "b (1 seed)",
                                                                   "solved (475)"]


def test_a_run_without_the_column_names_the_label_and_the_columns_it_has():
    with pytest.raises(ValueError, match=r"'DQN': run 1 has no values in column 'eval_mean_return'"
                                         r".*episode_return"):
        plot_learning_curves({"DQN": [evals([1], [0]), episodes([1], [5.0])]})


def test_bad_arguments_are_refused_with_the_allowed_values():
    with pytest.raises(ValueError, match="spread must be one of iqr, minmax"):
        plot_learning_curves({"a": [evals([1], [0])]}, spread="std")
    with pytest.raises(ValueError, match="runs is empty"):
        plot_learning_curves({})
    with pytest.raises(ValueError, match="do not overlap"):
        seed_curves([episodes([0, 10], [0, 1]), episodes([20, 30], [0, 1])], "episode_return")
