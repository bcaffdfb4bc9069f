"""Chapter 02 visuals: Q-table heatmaps with greedy arrows, greedy paths, the step-through."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from rlcourse.envs import make_env  # noqa: E402
from rlcourse.plotting import (grid_layout, plot_episode_returns, plot_greedy_paths,  # noqa: E402
                               plot_q_table, plot_q_table_snapshots)
from rlcourse.runs import Metrics  # noqa: E402
from rlcourse.tabular import greedy_path  # noqa: E402

LEFT, DOWN, RIGHT, UP = range(4)  # FrozenLake's actions
C_UP, C_RIGHT, C_DOWN, C_LEFT = range(4)  # CliffWalking's actions


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


def arrows(ax):
    """{(col, row) of the cell: (dx, dy)} of the greedy-action arrows, rows counted downwards."""
    (quiver,) = [c for c in ax.collections if c.get_gid() == "greedy_actions"]
    tails = quiver.get_offsets()
    result = {}
    for (x, y), u, v in zip(tails, quiver.U, quiver.V):
        cell = (round(x + u / 2), round(y + v / 2))  # the arrow's midpoint is the cell's centre
        result[cell] = (int(np.sign(u)), int(np.sign(v)))
    return result


def test_frozenlake_arrows_point_along_the_greedy_action():
    q_table = np.zeros((16, 4))
    q_table[0, RIGHT] = 1.0   # (row 0, col 0) -> right
    q_table[1, DOWN] = 0.5    # (0, 1) -> down
    q_table[4, UP] = 0.2      # (1, 0) -> up
    q_table[14, LEFT] = 0.9   # (3, 2) -> left
    ax = plot_q_table(q_table, "FrozenLake-v1")
    assert arrows(ax) == {(0, 0): (1, 0), (1, 0): (0, 1), (0, 1): (0, -1), (2, 3): (-1, 0)}
    # every other non-terminal cell ties (all zeros): a dot, no arrow; holes and goal get neither
    (dots,) = [line for line in ax.lines if line.get_gid() == "ties"]
    dot_cells = set(zip(dots.get_xdata().tolist(), dots.get_ydata().tolist()))
    holes_and_goal = {(1, 1), (3, 1), (3, 2), (0, 3), (3, 3)}  # (col, row)
    assert (3, 3) not in dot_cells and not holes_and_goal & dot_cells
    assert len(dot_cells) == 16 - 4 - len(holes_and_goal)
    # the heatmap is max_a Q on the grid
    image = ax.get_images()[0].get_array()
    assert image.shape == (4, 4) and image[0, 0] == 1.0 and image[3, 2] == 0.9


def test_eight_by_eight_and_cliffwalking_layouts():
    lake = grid_layout("FrozenLake8x8-v1")
    assert lake.shape == (8, 8) and lake.cells[0, 0] == "S" and lake.cells[7, 7] == "G"
    assert (lake.cells == "H").sum() == 10
    cliff = grid_layout("CliffWalking-v1")
    assert cliff.shape == (4, 12)
    assert "".join(cliff.cells[3]) == "S" + "C" * 10 + "G" and set(cliff.cells[:3].ravel()) == {"F"}
    assert cliff.position(36) == (3, 0) and cliff.position(47) == (3, 11)


def test_cliffwalking_arrows_use_its_own_action_numbers():
    q_table = np.zeros((48, 4))
    q_table[36, C_UP] = 1.0
    q_table[24, C_RIGHT] = 1.0
    q_table[35, C_DOWN] = 1.0
    q_table[13, C_LEFT] = 1.0
    found = arrows(plot_q_table(q_table, "CliffWalking-v1"))
    assert found == {(0, 3): (0, -1), (0, 2): (1, 0), (11, 2): (0, 1), (1, 1): (-1, 0)}


def cliff_table(route):
    """A hand-made CliffWalking table whose greedy action in each state follows ``route``."""
    q_table = np.zeros((48, 4))
    for state, action in route.items():
        q_table[state, action] = 1.0
    return q_table


def optimal_route():
    # up from the start, right along the row above the cliff, down into the goal
    return {36: C_UP, **{24 + col: C_RIGHT for col in range(11)}, 35: C_DOWN}


def safe_route():
    # up to the top row, right along it, down the right-hand column
    route = {36: C_UP, 24: C_UP, 12: C_UP, **{col: C_RIGHT for col in range(11)}}
    return {**route, 11: C_DOWN, 23: C_DOWN, 35: C_DOWN}


def test_greedy_path_of_hand_made_tables():
    assert greedy_path(cliff_table(optimal_route()), "CliffWalking-v1") == [36, *range(24, 36), 47]
    assert greedy_path(cliff_table(safe_route()), "CliffWalking-v1") == [
        36, 24, 12, 0, *range(1, 12), 23, 35, 47]
    # a table that walks right off the start falls into the cliff and is sent back: a loop, stopped
    assert greedy_path(cliff_table({36: C_RIGHT}), "CliffWalking-v1") == [36, 36]
    # FrozenLake without slipping: right, right, down, down, down, right
    lake = make_env("FrozenLake-v1", is_slippery=False)
    route = {0: RIGHT, 1: RIGHT, 2: DOWN, 6: DOWN, 10: DOWN, 14: RIGHT}
    lake_table = np.zeros((16, 4))
    for state, action in route.items():
        lake_table[state, action] = 1.0
    assert greedy_path(lake_table, lake) == [0, 1, 2, 6, 10, 14, 15]


def test_two_paths_are_drawn_through_their_cells_with_labels():
    paths = {"Q-learning": greedy_path(cliff_table(optimal_route()), "CliffWalking-v1"),
             "SARSA": greedy_path(cliff_table(safe_route()), "CliffWalking-v1")}
    ax = plot_greedy_paths(paths, "CliffWalking-v1")
    lines = {line.get_label(): line for line in ax.lines}
    assert set(lines) == {"Q-learning (13 steps)", "SARSA (17 steps)"}
    q_line = lines["Q-learning (13 steps)"]
    offset = q_line.get_xdata()[0]  # both paths start in column 0, each shifted by its own offset
    assert offset != lines["SARSA (17 steps)"].get_xdata()[0]
    cols = np.round(q_line.get_xdata() - offset).astype(int).tolist()
    rows = np.round(q_line.get_ydata() - offset).astype(int).tolist()
    assert list(zip(rows, cols)) == [(3, 0)] + [(2, col) for col in range(12)] + [(3, 11)]
    assert [text.get_text() for text in ax.get_legend().get_texts()] == list(lines)


def test_snapshots_figure_shows_first_and_last():
    snapshots = [(episode, np.full((16, 4), episode / 100.0)) for episode in range(10, 101, 10)]
    fig = plot_q_table_snapshots(snapshots, "FrozenLake-v1", count=4)
    titles = [ax.get_title() for ax in fig.axes if ax.get_images()]  # not the colour bar
    assert titles == [f"after episode {episode}" for episode in (10, 40, 70, 100)]


def returns_run(returns):
    metrics = Metrics()
    for episode, episode_return in enumerate(returns, start=1):
        metrics.log_episode(episode * 10, episode, episode_return)
    metrics.log_eval(30, 3, 0.0)  # evaluation rows are not episode returns
    return metrics


def test_episode_returns_are_averaged_over_seeds_then_smoothed():
    runs = {"SARSA": [returns_run([-10, -20, -60, 0]), returns_run([-30, -40, -20, -20])]}
    ax = plot_episode_returns(runs, window=2)
    (line,) = ax.lines
    # mean over seeds: -20, -30, -40, -10; windows of 2 end at episodes 2, 3, 4
    assert line.get_xdata().tolist() == [2, 3, 4]
    assert line.get_ydata().tolist() == [-25.0, -35.0, -25.0]
    assert line.get_label() == "SARSA (mean of 2 seeds)"


def test_clear_errors():
    with pytest.raises(ValueError, match="not a grid world"):
        plot_q_table(np.zeros((500, 6)), "Taxi-v4")
    with pytest.raises(ValueError, match="16 rows but this grid has 8 x 8 = 64"):
        plot_q_table(np.zeros((16, 4)), "FrozenLake8x8-v1")
    with pytest.raises(ValueError, match="snapshot_every"):
        plot_q_table_snapshots([], "FrozenLake-v1")


def test_step_through_slider_redraws_the_table_of_that_episode():
    from rlcourse.tabular import train
    from rlcourse.widgets import q_table_step_through

    run = train("FrozenLake-v1", "qlearning", seed=0, episodes=300, snapshot_every=100)
    assert [episode for episode, _ in run.snapshots] == [100, 200, 300]
    box = q_table_step_through(run.snapshots, "FrozenLake-v1")
    slider, output = box.children
    assert (slider.min, slider.max, slider.step, slider.value) == (100, 300, 100, 100)

    def shown():
        (item,) = output.outputs
        return item["data"]["text/plain"], item["data"]["image/png"]

    first_label, first_png = shown()
    assert first_label == "<Q-table after episode 100>"
    slider.value = 300  # as a learner's drag does: the observer redraws through the value change
    label, png = shown()
    assert label == "<Q-table after episode 300>" and png != first_png
    slider.value = 250  # between snapshots: the last one taken before
    assert shown()[0] == "<Q-table after episode 200>"


def test_snapshots_share_one_colour_scale():
    snapshots = [(100, np.full((16, 4), 0.1)), (200, np.full((16, 4), 0.5))]
    fig = plot_q_table_snapshots(snapshots, "FrozenLake-v1")
    limits = {ax.get_images()[0].get_clim() for ax in fig.axes if ax.get_images()}
    assert limits == {(0.1, 0.5)}
