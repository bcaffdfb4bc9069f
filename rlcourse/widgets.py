"""Interactive explorers (ipywidgets) for the chapters.

Each explorer returns a widget and is shown beside a static matplotlib figure of its initial
state, so the stored notebook output is deterministic (nbval compares it) while a learner in
JupyterLab can still slide and click.
"""

from __future__ import annotations

# --- Q-table step-through (chapter 02) ------------------------------------------------------------

def q_table_step_through(snapshots: list, env, *, dpi: int = 80):
    """A slider over training episodes that redraws the Q-table and its greedy policy as they were.

    Each position shows :func:`rlcourse.plotting.plot_q_table` of the snapshot taken after that
    episode (heatmap of max_a Q, arrows for argmax_a Q) and, for an env with a known model, the
    exact expected return of that greedy policy (on FrozenLake: its success probability,
    :func:`rlcourse.tabular.exact_policy_value`).

    Args:
        snapshots: ``(episode, q_table)`` pairs from ``train(..., snapshot_every=N).snapshots``.
        env: the env id or env the table was trained on (a grid world: FrozenLake, CliffWalking).
        dpi: resolution of the redrawn image.

    Returns:
        ``VBox([IntSlider, Output])``; the slider's value is an episode number, and moving it
        replaces the Output widget's image.

    Example:
        >>> run = train("FrozenLake-v1", snapshot_every=250)
        >>> q_table_step_through(run.snapshots, "FrozenLake-v1")  # doctest: +SKIP
    """
    import base64
    import bisect
    import io

    import ipywidgets as widgets
    import numpy as np
    from matplotlib.figure import Figure

    from rlcourse.plotting import grid_layout, plot_q_table
    from rlcourse.tabular import exact_policy_value, greedy_policy

    if not snapshots:
        raise ValueError("no snapshots: train with snapshot_every > 0")
    episodes = [episode for episode, _ in snapshots]
    n_rows, n_cols = grid_layout(env).shape
    # one colour scale for every snapshot, so that values visibly grow as the slider moves
    vmin = min(float(np.min(np.max(q_table, axis=1))) for _, q_table in snapshots)
    vmax = max(float(np.max(q_table)) for _, q_table in snapshots)
    step = episodes[1] - episodes[0] if len(episodes) > 1 else 1
    slider = widgets.IntSlider(value=episodes[0], min=episodes[0], max=episodes[-1], step=step,
                               description="episode", continuous_update=False,
                               layout=widgets.Layout(width="60%"))
    output = widgets.Output()

    def draw(episode: int) -> None:
        # the last snapshot taken at or before this episode
        index = max(bisect.bisect_right(episodes, episode) - 1, 0)
        shown_episode, q_table = snapshots[index]
        try:
            exact = exact_policy_value(env, greedy_policy(q_table))
            value = f"greedy policy's exact expected return {exact:.3f}"
        except ValueError:  # no model to solve: the picture alone
            value = "greedy policy"
        # a bare Figure (no pyplot): nothing is shown or kept by the notebook's backend
        fig = Figure(figsize=(0.55 * n_cols + 1.6, 0.55 * n_rows + 0.6))
        plot_q_table(q_table, env, ax=fig.subplots(), vmin=vmin, vmax=vmax,
                     title=f"after episode {shown_episode}: {value}")
        buffer = io.BytesIO()
        fig.savefig(buffer, format="png", dpi=dpi, bbox_inches="tight")
        output.outputs = ({"output_type": "display_data", "metadata": {},
                           "data": {"image/png": base64.b64encode(buffer.getvalue()).decode(),
                                    "text/plain": f"<Q-table after episode {shown_episode}>"}},)

    slider.observe(lambda change: draw(change["new"]), names="value")
    draw(slider.value)
    return widgets.VBox([slider, output])


# --- DQN explorer (chapter 04) --------------------------------------------------------------------

def dqn_target_lag_explorer(snapshots: list, *, dpi: int = 80):
    """A slider over recorded training steps: how far the target network lags the online one.

    Each position shows, on the left, :func:`rlcourse.plotting.plot_target_lag` with the step
    marked and, on the right, :func:`rlcourse.plotting.plot_q_snapshot`: max_a Q of both networks
    on every probe state at that step. Just after a target update the bars coincide; then the
    online network drifts away until the next copy.

    Args:
        snapshots: :class:`rlcourse.plotting.QSnapshot` in step order, evenly spaced.
        dpi: resolution of the redrawn image.

    Returns:
        ``VBox([IntSlider, Output])``; the slider's value is an env step, and moving it replaces
        the Output widget's image.
    """
    import base64
    import bisect
    import io

    import ipywidgets as widgets
    from matplotlib.figure import Figure

    from rlcourse.plotting import plot_q_snapshot, plot_target_lag

    if not snapshots:
        raise ValueError("no snapshots: record QSnapshot(step, online, target) during training")
    steps = [snapshot.step for snapshot in snapshots]
    step = steps[1] - steps[0] if len(steps) > 1 else 1
    slider = widgets.IntSlider(value=steps[0], min=steps[0], max=steps[-1], step=step,
                               description="env step", continuous_update=False,
                               layout=widgets.Layout(width="60%"))
    output = widgets.Output()

    def draw(at_step: int) -> None:
        snapshot = snapshots[max(bisect.bisect_right(steps, at_step) - 1, 0)]
        fig = Figure(figsize=(11, 3.6))  # a bare Figure: the notebook's backend keeps nothing
        ax_lag, ax_bars = fig.subplots(1, 2)
        plot_target_lag(snapshots, ax=ax_lag, step=snapshot.step)
        plot_q_snapshot(snapshot, ax=ax_bars)
        fig.tight_layout()
        buffer = io.BytesIO()
        fig.savefig(buffer, format="png", dpi=dpi)
        output.outputs = ({"output_type": "display_data", "metadata": {},
                           "data": {"image/png": base64.b64encode(buffer.getvalue()).decode(),
                                    "text/plain": f"<target lag at step {snapshot.step}>"}},)

    slider.observe(lambda change: draw(change["new"]), names="value")
    draw(slider.value)
    return widgets.VBox([slider, output])


# --- critic explorer (chapters 05-06) -------------------------------------------------------------

def critic_explorer(critic, actor, state_axes, *, action_low: float, action_high: float,
                    state=None, best_action=None, dpi: int = 80):
    """Sliders for the state and the action that redraw Q(s, a) and the actor's choice μ(s).

    Each position shows :func:`rlcourse.plotting.plot_critic_slice`: the critic's curve
    Q(s, ·) for the chosen state, the actor's action μ(s) on it, and the slid action a with its
    value Q(s, a). Sliding a shows how much the critic thinks each action is worth; sliding the
    state shows that μ(s) sits at (or climbs towards) the top of every curve.

    Args:
        critic: ``critic(obs (batch, obs_dim), action (batch, 1)) -> (batch,)``.
        actor: ``actor(obs (batch, obs_dim)) -> (batch, 1)``.
        state_axes: a :class:`rlcourse.plotting.StateAxes`, e.g. ``PENDULUM_STATE``.
        action_low, action_high: the action's range (the env's bounds).
        state: initial value per state axis; the middle of each range when None.
        best_action: ``best_action(*state) -> float`` for a toy problem with a known answer.
        dpi: resolution of the redrawn image.

    Returns:
        ``VBox([FloatSlider per state axis, FloatSlider "action", Output])``; moving any
        slider replaces the Output widget's image.

    Example:
        >>> from rlcourse.plotting import PENDULUM_STATE
        >>> critic_explorer(agent.critic, agent.actor, PENDULUM_STATE,
        ...                 action_low=-2.0, action_high=2.0)  # doctest: +SKIP
    """
    import base64
    import io

    import ipywidgets as widgets
    import numpy as np
    from matplotlib.figure import Figure

    from rlcourse.plotting import plot_critic_slice

    if state is None:
        state = [(low + high) / 2 for low, high in state_axes.ranges]
    if len(state) != len(state_axes.names):
        raise ValueError(f"state has {len(state)} values but state_axes names "
                         f"{len(state_axes.names)}: {', '.join(state_axes.names)}")
    slider_layout = widgets.Layout(width="60%")
    style = {"description_width": "initial"}
    state_sliders = [
        widgets.FloatSlider(value=value, min=low, max=high, step=(high - low) / 100,
                            description=name, continuous_update=False, readout_format=".2f",
                            layout=slider_layout, style=style)
        for name, (low, high), value in zip(state_axes.names, state_axes.ranges, state)]
    action_slider = widgets.FloatSlider(
        value=(action_low + action_high) / 2, min=action_low, max=action_high,
        step=(action_high - action_low) / 100, description="action a", continuous_update=False,
        readout_format=".2f", layout=slider_layout, style=style)
    output = widgets.Output()

    def draw(_change=None) -> None:
        values = [slider.value for slider in state_sliders]
        obs = np.asarray(state_axes.to_obs(*values), dtype=np.float32)
        described = ", ".join(f"{name} = {value:.2f}" for name, value
                              in zip(state_axes.names, values))
        # a bare Figure (no pyplot): nothing is shown or kept by the notebook's backend
        fig = Figure(figsize=(6.5, 3.6))
        plot_critic_slice(critic, actor, obs, action_low=action_low, action_high=action_high,
                          action=action_slider.value,
                          best_action=None if best_action is None else best_action(*values),
                          ax=fig.subplots(), title=f"state: {described}")
        fig.tight_layout()
        buffer = io.BytesIO()
        fig.savefig(buffer, format="png", dpi=dpi)
        output.outputs = ({"output_type": "display_data", "metadata": {},
                           "data": {"image/png": base64.b64encode(buffer.getvalue()).decode(),
                                    "text/plain": f"<Q(s, a) at {described}>"}},)

    for slider in [*state_sliders, action_slider]:
        slider.observe(draw, names="value")
    draw()
    return widgets.VBox([*state_sliders, action_slider, output])
