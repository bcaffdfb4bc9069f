"""Chapters 05-06 visuals: Pendulum critic surface and policy map, critic slices, the explorer."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
import torch  # noqa: E402
from torch import nn  # noqa: E402

from rlcourse.plotting import (PENDULUM_STATE, StateAxes, critic_slice,  # noqa: E402
                               pendulum_obs, pendulum_surface, plot_actor_climb,
                               plot_critic_slice, plot_critic_surface, plot_policy_map)
from rlcourse.widgets import critic_explorer  # noqa: E402


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


class SineActor(nn.Module):
    """μ(s) = 2 sin θ: a Pendulum 'actor' whose every action is known by hand."""

    def forward(self, obs):  # (batch, 3) -> (batch, 1)
        return 2.0 * obs[:, 1:2]


class SumCritic(nn.Module):
    """Q(s, a) = cos θ + θ̇ / 8 + a."""

    def forward(self, obs, action):  # (batch, 3), (batch, 1) -> (batch,)
        return obs[:, 0] + obs[:, 2] / 8 + action[:, 0]


class BowlCritic(nn.Module):
    """Q(s, a) = −(a − s)²: the best action is the state itself."""

    def forward(self, obs, action):  # (batch, 1), (batch, 1) -> (batch,)
        return -(action[:, 0] - obs[:, 0]) ** 2


class HalfActor(nn.Module):
    """μ(s) = s / 2."""

    def forward(self, obs):  # (batch, 1) -> (batch, 1)
        return obs / 2


def test_pendulum_obs_is_cos_sin_velocity_and_broadcasts():
    assert pendulum_obs(0.0, 1.0).tolist() == [1.0, 0.0, 1.0]
    np.testing.assert_allclose(pendulum_obs(np.pi / 2, -3.0), [0.0, 1.0, -3.0], atol=1e-7)
    obs = pendulum_obs(np.zeros((2, 5)), np.arange(5))
    assert obs.shape == (2, 5, 3) and obs.dtype == np.float32
    np.testing.assert_array_equal(obs[1, :, 2], np.arange(5))
    assert PENDULUM_STATE.to_obs(np.pi, 0.0)[0] == pytest.approx(-1.0)  # hanging down


def test_pendulum_surface_puts_angles_on_columns_and_velocities_on_rows():
    surface = pendulum_surface(SineActor(), SumCritic(), n_angles=5, n_velocities=3)
    np.testing.assert_allclose(surface["angles"], [-np.pi, -np.pi / 2, 0, np.pi / 2, np.pi])
    np.testing.assert_allclose(surface["velocities"], [-8, 0, 8])
    assert surface["action"].shape == surface["q_value"].shape == (3, 5)
    # μ = 2 sin θ on every row
    np.testing.assert_allclose(surface["action"][0], [0, -2, 0, 2, 0], atol=1e-6)
    # Q(s, μ(s)) = cos θ + θ̇/8 + 2 sin θ: upright at θ̇ = 8 gives 1 + 1 + 0
    assert surface["q_value"][2, 2] == pytest.approx(2.0)
    assert surface["q_value"][0, 3] == pytest.approx(0.0 - 1.0 + 2.0, abs=1e-6)  # θ = π/2, θ̇ = −8
    assert "q_value" not in pendulum_surface(SineActor(), n_angles=3, n_velocities=3)


def test_surface_plots_draw_those_values_upright_in_the_middle():
    ax = plot_critic_surface(SumCritic(), SineActor(), n=5)
    image = ax.get_images()[0]
    values = image.get_array()
    assert values.shape == (5, 5)
    assert values[2, 2] == pytest.approx(1.0)  # θ = 0, θ̇ = 0: cos 0 + 0 + 2 sin 0
    assert values[4, 2] == pytest.approx(2.0)  # the top row (origin lower) is θ̇ = +8
    assert image.get_extent() == pytest.approx([-np.pi, np.pi, -8, 8])
    ax = plot_policy_map(SineActor(), action_low=-2.0, action_high=2.0, n=5)
    image = ax.get_images()[0]
    assert image.get_clim() == (-2.0, 2.0)  # white is zero torque, full colour the bounds
    np.testing.assert_allclose(image.get_array()[0], [0, -2, 0, 2, 0], atol=1e-6)


def test_policy_map_refuses_a_vector_action():
    class TwoActions(nn.Module):
        def forward(self, obs):
            return obs[:, :2]

    with pytest.raises(ValueError, match="one-dimensional action"):
        plot_policy_map(TwoActions(), action_low=-1, action_high=1, n=3)


def test_critic_slice_and_its_plot_mark_the_actor_on_the_curve():
    obs = np.array([0.8], dtype=np.float32)
    q_values = critic_slice(BowlCritic(), obs, [-1.0, 0.0, 0.8, 1.0])
    np.testing.assert_allclose(q_values, [-3.24, -0.64, 0.0, -0.04], atol=1e-6)
    ax = plot_critic_slice(BowlCritic(), HalfActor(), obs, action_low=-1, action_high=1,
                           action=0.0, best_action=0.8, n=21)
    (curve,) = [line for line in ax.lines if line.get_gid() == "q_curve"]
    assert len(curve.get_xdata()) == 21 and max(curve.get_ydata()) == pytest.approx(0.0)
    (actor_line,) = [line for line in ax.lines if line.get_gid() == "actor_action"]
    assert actor_line.get_xdata()[0] == pytest.approx(0.4)  # μ(0.8) = 0.4
    labels = [text.get_text() for text in ax.get_legend().get_texts()]
    # Q(0.8, 0.4) = −0.16; Q(0.8, 0) = −0.64
    assert "actor μ(s) = 0.40, Q = -0.16" in labels
    assert "a = 0.00: Q(s, a) = -0.64" in labels
    assert "best action a*(s) = 0.80" in labels


def test_actor_climb_draws_the_best_action_and_one_line_per_snapshot():
    states = np.linspace(-1, 1, 11)
    snapshots = [(0, np.zeros(11)), (50, states / 2), (100, states)]
    ax = plot_actor_climb(states, states, snapshots)
    (best,) = [line for line in ax.lines if line.get_gid() == "best_action"]
    np.testing.assert_array_equal(best.get_ydata(), states)
    labels = [line.get_label() for line in ax.lines if line.get_gid() != "best_action"]
    assert labels == ["iteration 0", "iteration 50", "iteration 100"]


def image_of(explorer):
    (output,) = [child for child in explorer.children if hasattr(child, "outputs")]
    (shown,) = output.outputs
    return shown["data"]["image/png"], shown["data"]["text/plain"]


def test_critic_explorer_redraws_when_the_action_or_the_state_moves():
    toy_state = StateAxes(names=("s",), ranges=((-1.0, 1.0),), to_obs=lambda s: np.array([s]))
    explorer = critic_explorer(BowlCritic(), HalfActor(), toy_state, action_low=-1.0,
                               action_high=1.0, state=[0.5], best_action=lambda s: s)
    *state_sliders, action_slider, _ = explorer.children
    assert [slider.description for slider in state_sliders] == ["s"]
    assert action_slider.description == "action a" and action_slider.value == 0.0
    first, text = image_of(explorer)
    assert text == "<Q(s, a) at s = 0.50>"
    action_slider.value = 0.5
    second, _ = image_of(explorer)
    assert second != first
    state_sliders[0].value = -0.25
    third, text = image_of(explorer)
    assert third != second and text == "<Q(s, a) at s = -0.25>"


def test_critic_explorer_on_pendulum_starts_in_the_middle_and_checks_the_state():
    explorer = critic_explorer(SumCritic(), SineActor(), PENDULUM_STATE, action_low=-2.0,
                               action_high=2.0)
    angle, velocity, action, _ = explorer.children
    assert (angle.value, velocity.value, action.value) == (0.0, 0.0, 0.0)
    assert image_of(explorer)[1] == "<Q(s, a) at angle θ = 0.00, angular velocity θ̇ = 0.00>"
    with pytest.raises(ValueError, match="state has 1 values"):
        critic_explorer(SumCritic(), SineActor(), PENDULUM_STATE, action_low=-2.0,
                        action_high=2.0, state=[0.0])


def test_the_package_networks_plug_in_and_actions_stay_within_the_bounds():
    from rlcourse.networks import Actor, Critic

    torch.manual_seed(0)
    actor, critic = Actor(3, [-2.0], [2.0], hidden=(16,)), Critic(3, 1, hidden=(16,))
    surface = pendulum_surface(actor, critic, n_angles=7, n_velocities=5)
    assert surface["action"].shape == surface["q_value"].shape == (5, 7)
    assert np.all(np.abs(surface["action"]) <= 2.0)
    # the surface is Q at the actor's own action, state by state
    obs = pendulum_obs(surface["angles"][3], surface["velocities"][4])
    expected = critic_slice(critic, obs, [surface["action"][4, 3]])[0]
    assert surface["q_value"][4, 3] == pytest.approx(expected, abs=1e-5)
