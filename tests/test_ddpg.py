"""Tests of rlcourse.ddpg (and Actor/Critic): hand-computed targets, the chain rule, the loop."""

from __future__ import annotations

import copy
import dataclasses

import gymnasium as gym
import numpy as np
import pytest
import torch
from torch import nn

from rlcourse import ddpg
from rlcourse.checkpoints import read_meta
from rlcourse.cli import main as cli_main
from rlcourse.envs import VALIDATION_SEED, evaluate, make_env, seed_everything
from rlcourse.networks import Actor, Critic
from rlcourse.replay import Batch, ReplayBuffer
from rlcourse.runs import read_json

#: a tiny budget that still exercises every part of the loop (warm-up, updates, evaluations)
SHORT = dataclasses.replace(ddpg.default_config("Pendulum-v1"), steps=600, learning_starts=250,
                            actor_hidden=(16, 16), critic_hidden=(16, 16), batch_size=32,
                            eval_every=300, eval_episodes=1, final_eval_episodes=2)


class HalfActor(nn.Module):
    """μ'(s') = s'[0] / 2, one action dimension."""

    def forward(self, obs):
        return obs[:, :1] / 2  # (batch, 1)


class SumCritic(nn.Module):
    """Q'(s', a) = sum(s') + 2 a."""

    def forward(self, obs, action):
        return obs.sum(dim=1) + 2 * action[:, 0]  # (batch,)


class ReachTheEdge(gym.Env):
    """A walk on a line that really terminates, which Pendulum never does.

    x starts at 0; an action a in [−1, 1] moves it by a / 2, and reaching an edge (|x′| ≥ 1)
    terminates the episode. The reward is the x the step started from, so each stored field can
    be checked against the others: r = s and s′ = s + a / 2. float32 throughout, so the stored
    s′ decides termination exactly as the env did.
    """

    metadata = {"render_modes": []}

    def __init__(self, render_mode=None) -> None:
        self.observation_space = gym.spaces.Box(-1.5, 1.5, shape=(1,), dtype=np.float32)
        self.action_space = gym.spaces.Box(-1.0, 1.0, shape=(1,), dtype=np.float32)
        self.x = np.float32(0.0)

    def reset(self, *, seed=None, options=None):
        super().reset(seed=seed)
        self.x = np.float32(0.0)
        return np.array([self.x], dtype=np.float32), {}

    def step(self, action):
        reward = float(self.x)
        self.x = np.float32(self.x + np.float32(np.asarray(action).reshape(-1)[0]) / np.float32(2))
        return np.array([self.x], dtype=np.float32), reward, bool(abs(self.x) >= 1), False, {}


EDGE_ID = "rlcourse-tests/ReachTheEdge-v0"
if EDGE_ID not in gym.registry:
    gym.register(EDGE_ID, entry_point=ReachTheEdge)


# --- the critic target ----------------------------------------------------------------------------

def test_critic_target_ordinary_terminated_and_truncated_transitions():
    # three transitions, γ = 0.9, s' = (2, 1): μ'(s') = 1, Q'(s', 1) = 3 + 2 = 5
    #   ordinary:   r = 1                     -> 1 + 0.9 * 5 = 5.5
    #   terminated: r = 1, s' terminal        -> 1
    #   truncated:  r = 1, time limit only    -> 1 + 0.9 * 5 = 5.5 (Pendulum's every episode end)
    buffer = ReplayBuffer(3, obs_shape=(2,), action_shape=(1,), action_dtype=np.float32, seed=0)
    for terminated, truncated in [(False, False), (True, False), (False, True)]:
        buffer.add(np.zeros(2), [0.0], 1.0, np.array([2.0, 1.0]), terminated, truncated)
    target = ddpg.critic_target(HalfActor(), SumCritic(), torch.from_numpy(buffer.reward),
                                torch.from_numpy(buffer.next_obs), torch.from_numpy(buffer.terminated),
                                gamma=0.9)
    assert target.shape == (3,)
    assert torch.allclose(target, torch.tensor([5.5, 1.0, 5.5]))


def test_critic_target_carries_no_gradient():
    actor, critic = Actor(3, [-2.0], [2.0], (8,)), Critic(3, 1, (8,))
    target = ddpg.critic_target(actor, critic, torch.zeros(4), torch.randn(4, 3), torch.zeros(4), 0.99)
    assert not target.requires_grad


def test_critic_loss_is_the_mean_squared_error_to_the_target():
    # errors 1 - 0 = 1, 2 - 4 = -2, 0 - 0 = 0: squares 1, 4, 0, mean 5 / 3
    loss = ddpg.critic_loss(torch.tensor([1.0, 2.0, 0.0]), torch.tensor([0.0, 4.0, 0.0]))
    assert loss.shape == ()
    assert loss.item() == pytest.approx(5 / 3)


def test_critic_loss_rejects_a_column_prediction():
    # (3, 1) against (3,) would broadcast to 9 errors: mse over (3, 3), silently wrong
    with pytest.raises(ValueError, match=r"q_pred must have shape \(batch,\)"):
        ddpg.critic_loss(torch.zeros(3, 1), torch.zeros(3))


def test_critic_loss_names_a_column_target_and_a_scalar_prediction_in_full():
    with pytest.raises(ValueError, match=r"^td_target must have shape \(batch,\) = \(3,\), got \(3, 1\): "):
        ddpg.critic_loss(torch.zeros(3), torch.zeros(3, 1))
    # a 0-d prediction (a .mean() too early) is refused with the same message, not an IndexError
    with pytest.raises(ValueError, match=r"^q_pred must have shape \(batch,\) = \(0,\), got \(\): "):
        ddpg.critic_loss(torch.tensor(1.0), torch.zeros(3))


@pytest.mark.parametrize("bad", ["reward", "terminated"])
def test_critic_target_rejects_a_batch_by_one_column(bad):
    reward, terminated = torch.ones(3), torch.zeros(3)
    if bad == "reward":
        reward = reward.unsqueeze(1)
    else:
        terminated = terminated.unsqueeze(1)
    with pytest.raises(ValueError, match=bad):
        ddpg.critic_target(HalfActor(), SumCritic(), reward, torch.zeros(3, 2), terminated, 0.9)


def test_the_shape_errors_say_what_was_wrong_and_what_to_do():
    advice = ("a (batch, 1) column against a (batch,) row broadcasts to (batch, batch) and silently "
              "trains on the wrong targets; squeeze it (tensor.squeeze(1)) or index it first")
    for bad in ("reward", "terminated"):
        args = {"reward": torch.ones(3), "terminated": torch.zeros(3)}
        args[bad] = args[bad].unsqueeze(1)
        with pytest.raises(ValueError) as error:
            ddpg.critic_target(HalfActor(), SumCritic(), args["reward"], torch.zeros(3, 2),
                               args["terminated"], 0.9)
        assert str(error.value) == f"{bad} must have shape (batch,) = (3,), got (3, 1): {advice}"
    column_critic = lambda obs, action: SumCritic()(obs, action).unsqueeze(1)  # noqa: E731
    with pytest.raises(ValueError) as error:
        ddpg.critic_target(HalfActor(), column_critic, torch.ones(3), torch.zeros(3, 2), torch.zeros(3), 0.9)
    assert str(error.value) == ("target_critic(next_obs, target_actor(next_obs)) must have shape "
                                f"(batch,) = (3,), got (3, 1): {advice}")


def test_critic_target_rejects_a_critic_that_returns_a_column():
    column_critic = lambda obs, action: SumCritic()(obs, action).unsqueeze(1)  # noqa: E731
    with pytest.raises(ValueError, match=r"\(batch,\)"):
        ddpg.critic_target(HalfActor(), column_critic, torch.ones(3), torch.zeros(3, 2), torch.zeros(3), 0.9)


# --- the actor: scaling and the deterministic policy gradient -------------------------------------

def test_scale_action_maps_minus_one_to_low_and_one_to_high_for_asymmetric_bounds():
    low, high = np.array([-1.0, 0.0]), np.array([3.0, 10.0])
    raw = np.array([[-1.0, -1.0], [0.0, 0.0], [1.0, 1.0], [0.5, -0.5]])  # (4, 2)
    expected = np.array([[-1.0, 0.0], [1.0, 5.0], [3.0, 10.0], [2.0, 2.5]])
    assert np.allclose(ddpg.scale_action(raw, low, high), expected)
    scaled = ddpg.scale_action(torch.tensor(raw, dtype=torch.float32), low, high)
    assert isinstance(scaled, torch.Tensor)
    assert torch.allclose(scaled, torch.tensor(expected, dtype=torch.float32))


def test_scale_action_keeps_a_tensors_dtype_and_device():
    # "meta" is a device every torch build has, so a lost device shows without a GPU too
    scaled = ddpg.scale_action(torch.zeros(2, 1, device="meta"), [-1.0], [3.0])
    assert scaled.device.type == "meta" and scaled.dtype == torch.float32
    half = ddpg.scale_action(torch.zeros(2, 1, dtype=torch.float16), np.array([-1.0]), np.array([3.0]))
    assert half.dtype == torch.float16 and half.tolist() == [[1.0], [1.0]]


def test_the_actor_stays_within_asymmetric_bounds_and_uses_scale_action():
    torch.manual_seed(0)
    actor = Actor(2, [-1.0, 0.0], [3.0, 10.0], hidden=(8,))
    obs = 1000 * torch.randn(64, 2)  # saturates the tanh
    action = actor(obs)  # (64, 2)
    assert action.shape == (64, 2)
    assert torch.all(action >= torch.tensor([-1.0, 0.0])) and torch.all(action <= torch.tensor([3.0, 10.0]))
    assert torch.allclose(action, ddpg.scale_action(actor.raw(obs), [-1.0, 0.0], [3.0, 10.0]))


def test_the_critic_returns_one_value_per_transition():
    assert Critic(3, 2, (8,))(torch.zeros(5, 3), torch.zeros(5, 2)).shape == (5,)


def test_actor_loss_is_minus_the_mean_critic_value_of_the_actors_actions():
    # μ(s) = s[0] / 2 and Q(s, a) = sum(s) + 2a: for s = (2, 1) and (0, 4): Q = 5 and 4 -> loss −4.5
    loss = ddpg.actor_loss(HalfActor(), SumCritic(), torch.tensor([[2.0, 1.0], [0.0, 4.0]]))
    assert loss.item() == pytest.approx(-4.5)


def test_the_actor_gradient_is_the_chain_rule_product():
    # ∇θ J = E[∇a Q(s, a)|a=μ(s) ∇θ μ(s)]: ∂Q/∂a by autograd.grad, then a vector-Jacobian product
    # through the actor, must equal autograd of actor_loss = −mean Q(s, μ(s))
    torch.manual_seed(0)
    actor, critic = Actor(3, [-2.0], [2.0], (16,)), Critic(3, 1, (16,))
    obs = torch.randn(32, 3)
    loss = ddpg.actor_loss(actor, critic, obs)
    autograd = torch.autograd.grad(loss, list(actor.parameters()))

    action = actor(obs).detach().requires_grad_(True)  # a = μ(s), (32, 1), a leaf
    dq_da = torch.autograd.grad(critic(obs, action).sum(), action)[0]  # (32, 1)
    chain = torch.autograd.grad(actor(obs), list(actor.parameters()), grad_outputs=-dq_da / len(obs))
    for by_autograd, by_chain_rule in zip(autograd, chain):
        assert torch.allclose(by_autograd, by_chain_rule, atol=1e-6)


# --- the update ----------------------------------------------------------------------------------

def _networks(seed=0):
    torch.manual_seed(seed)
    actor, critic = Actor(3, [-2.0], [2.0], (16,)), Critic(3, 1, (16,))
    target_actor, target_critic = Actor(3, [-2.0], [2.0], (16,)), Critic(3, 1, (16,))  # different weights
    return actor, critic, target_actor, target_critic


def _batch(seed=0, size=8):
    buffer = ReplayBuffer(size, (3,), (1,), np.float32, seed=seed)
    rng = np.random.default_rng(seed)
    for _ in range(size):
        buffer.add(rng.normal(size=3), rng.uniform(-2, 2, size=1), rng.normal(), rng.normal(size=3),
                   False, False)
    return buffer.sample(size)


def test_ddpg_update_reports_its_losses_and_soft_updates_the_targets_by_tau_of_the_way():
    actor, critic, target_actor, target_critic = _networks()
    old_targets = [copy.deepcopy(target_actor), copy.deepcopy(target_critic)]
    actor_before, batch = copy.deepcopy(actor), _batch()
    with torch.no_grad():  # y = r + γ (1 − terminated) Q'(s', μ'(s')), by hand
        next_q = target_critic(batch.next_obs, target_actor(batch.next_obs))
        q_pred = critic(batch.obs, batch.action)
        critic_loss = ((q_pred - (batch.reward + 0.9 * (1 - batch.terminated) * next_q)) ** 2).mean()
    info = ddpg.ddpg_update(actor, critic, target_actor, target_critic,
                            torch.optim.Adam(actor.parameters(), 1e-2),
                            torch.optim.Adam(critic.parameters(), 1e-2), batch, gamma=0.9, tau=0.1)
    assert info.critic_loss == pytest.approx(critic_loss.item(), rel=1e-6)
    assert info.q_mean == pytest.approx(q_pred.mean().item(), rel=1e-6)
    # the actor climbs the critic *after* the critic's step: its loss is −Q(s, μ(s)) on that critic
    with torch.no_grad():
        assert info.actor_loss == pytest.approx(
            -critic(batch.obs, actor_before(batch.obs)).mean().item(), rel=1e-6)
    for old, target, online in zip(old_targets, (target_actor, target_critic), (actor, critic)):
        for p_old, p_target, p_online in zip(old.parameters(), target.parameters(), online.parameters()):
            # θ' ← τ θ + (1 − τ) θ', with θ the online weights *after* this update's steps
            assert torch.allclose(p_target, 0.1 * p_online + 0.9 * p_old, atol=1e-6)


def test_ddpg_update_steps_the_critic_towards_the_target_and_the_actor_up_the_critic():
    actor, critic, target_actor, target_critic = _networks(1)
    batch = _batch(1, 64)
    critic_optimizer = torch.optim.Adam(critic.parameters(), 1e-3)
    actor_optimizer = torch.optim.Adam(actor.parameters(), 1e-3)
    target = ddpg.critic_target(target_actor, target_critic, batch.reward, batch.next_obs,
                                batch.terminated, 0.9)
    before = nn.functional.mse_loss(critic(batch.obs, batch.action), target).item()
    # tau tiny: the targets barely move, so the critic's regression target stays (nearly) fixed
    for _ in range(50):
        ddpg.ddpg_update(actor, critic, target_actor, target_critic, actor_optimizer,
                         critic_optimizer, batch, gamma=0.9, tau=1e-6)
    target = ddpg.critic_target(target_actor, target_critic, batch.reward, batch.next_obs,
                                batch.terminated, 0.9)
    assert nn.functional.mse_loss(critic(batch.obs, batch.action), target).item() < before
    # one more actor step on a frozen critic raises mean Q(s, μ(s))
    q_before = critic(batch.obs, actor(batch.obs)).mean().item()
    loss = ddpg.actor_loss(actor, critic, batch.obs)
    actor_optimizer.zero_grad()
    loss.backward()
    actor_optimizer.step()
    assert critic(batch.obs, actor(batch.obs)).mean().item() > q_before


# --- configuration --------------------------------------------------------------------------------

@pytest.mark.parametrize("field, value, words", [
    ("actor_lr", 0.0, "actor_lr"), ("critic_lr", -1.0, "critic_lr"), ("gamma", 1.5, "gamma"),
    ("tau", 0.0, "tau"), ("tau", 1.5, "tau"), ("batch_size", 0, "batch_size"),
    ("batch_size", 1_000_000, "batch_size"), ("noise", "pink", "noise"),
    ("noise_sigma", -0.1, "noise_sigma"), ("actor_hidden", (), "actor_hidden"),
    ("critic_hidden", (64, 0), "critic_hidden"), ("learning_starts", -1, "learning_starts"),
    ("train_every", 0, "train_every"), ("ou_theta", 0.0, "ou_theta"), ("device", "tpu", "device"),
    ("time_limit", 0, "time_limit"),
])
def test_invalid_hyperparameters_raise_naming_the_field(field, value, words):
    with pytest.raises(ValueError, match=words):
        dataclasses.replace(ddpg.DDPGConfig(), **{field: value})


def test_default_config_applies_the_tuned_values_of_its_env_only():
    for env_id, tuned in ddpg.TUNED.items():
        config = ddpg.default_config(env_id)
        assert {key: getattr(config, key) for key in tuned} == tuned
        untouched = {f.name for f in dataclasses.fields(config)} - set(tuned)
        assert all(getattr(config, key) == getattr(ddpg.DDPGConfig(), key) for key in untouched)
    assert ddpg.default_config("LunarLanderContinuous-v3") == ddpg.DDPGConfig()  # no tuned values


def test_a_discrete_action_space_is_rejected_with_a_pointer_to_dqn():
    with pytest.raises(ValueError, match="DQN"):
        ddpg.train("CartPole-v1", SHORT)


def test_the_command_line_refuses_cartpole(tmp_path, capsys):
    code = cli_main(["train", "ddpg", "--env", "CartPole-v1", "--out", str(tmp_path / "run"), "--no-progress"])
    assert code == 2
    err = capsys.readouterr().err
    assert "DDPG needs a Box action space, but CartPole-v1 has Discrete" in err
    assert "Use DQN (`rlcourse train dqn`), which handles a discrete action space for this" in err
    assert not (tmp_path / "run").exists()


# --- the agent -------------------------------------------------------------------------------------

def test_the_fast_greedy_action_equals_the_torch_actor():
    torch.manual_seed(0)
    actor = Actor(3, [-1.0, 0.0], [3.0, 10.0], (16, 16))
    agent = ddpg.DDPGAgent(actor)
    for obs in np.random.default_rng(0).normal(size=(20, 3)).astype(np.float32):
        expected = actor(torch.from_numpy(obs).unsqueeze(0))[0].detach().numpy()
        assert np.allclose(agent.act(obs), expected, atol=1e-5)


def test_on_the_cpu_the_greedy_action_runs_in_numpy_and_otherwise_in_torch():
    from rlcourse.networks import NumpyForward

    torch.manual_seed(0)
    actor = Actor(3, [-1.0, 0.0], [3.0, 10.0], (16, 16))
    agent = ddpg.DDPGAgent(actor)
    observations = np.random.default_rng(1).normal(size=(20, 3)).astype(np.float32)
    forward = NumpyForward()
    # bit for bit what NumpyForward computes (on this machine 16 of these 20 differ from torch's
    # forward in the last bits, so the fast path is seen to be the one taken)
    for obs in observations:
        assert np.array_equal(agent.raw_action(obs), forward(actor.net, obs))
    # a layer NumpyForward does not know (LayerNorm) sends the actor through torch instead
    actor.net = torch.nn.Sequential(actor.net[0], torch.nn.LayerNorm(16), *list(actor.net)[1:])
    with torch.no_grad():
        expected = [actor.raw(torch.from_numpy(obs)).numpy() for obs in observations]
    assert forward(actor.net, observations[0]) is None
    for obs, want in zip(observations, expected):
        assert np.array_equal(agent.raw_action(obs), want)
        # float64 (numpy's default) and a plain list are cast to the actor's float32 first
        assert np.array_equal(agent.raw_action(obs.astype(np.float64)), want)
        assert np.array_equal(agent.raw_action(obs.tolist()), want)


def test_exploration_noise_is_clipped_to_the_bounds():
    torch.manual_seed(0)
    agent = ddpg.DDPGAgent(Actor(3, [-1.0, 0.0], [3.0, 10.0], (8,)))
    obs = np.zeros(3, dtype=np.float32)
    assert np.array_equal(agent.explore(obs, lambda: np.array([100.0, -100.0])), [3.0, 0.0])
    assert np.array_equal(agent.explore(obs, lambda: np.array([-100.0, 100.0])), [-1.0, 10.0])
    # a small noise is added before the scaling: raw + 0.1 moves the action by 0.1 * half-range
    moved = agent.explore(obs, lambda: np.array([0.1, 0.1])) - agent.act(obs)
    assert np.allclose(moved, [0.2, 0.5], atol=1e-5)


def test_the_agents_actions_are_float32_and_inside_the_envs_action_space():
    # gymnasium's Box.contains refuses a float64 action for a float32 space (Pendulum's)
    env = gym.make("Pendulum-v1")
    torch.manual_seed(0)
    low, high = env.action_space.low, env.action_space.high
    agent = ddpg.DDPGAgent(Actor(3, low, high, (8,)))
    obs, _ = env.reset(seed=0)
    for action in (agent.act(obs), agent.explore(obs, lambda: np.array([0.3])),
                   agent.explore(obs, lambda: np.array([50.0]))):
        assert action.dtype == np.float32 and action.shape == (1,)
        assert env.action_space.contains(action), action
    env.close()


# --- the training loop ----------------------------------------------------------------------------

def test_the_loop_logs_episodes_and_periodic_evaluations():
    run = ddpg.train("Pendulum-v1", SHORT, seed=0)
    assert run.steps == 600 and run.episodes == 3  # Pendulum: 200 steps per episode
    assert [step for step, _ in run.metrics.column("eval_mean_return")] == [300, 600]
    losses = [row["critic_loss"] for row in run.metrics.rows if "critic_loss" in row]
    assert np.isnan(losses[0]) and np.isfinite(losses[-1])  # no update during the warm-up


@pytest.mark.parametrize("flag", [False, True])
def test_only_the_bug_demonstration_stores_a_time_limit_as_terminal(flag):
    # Pendulum never terminates: cut at 20 steps, 100 steps are 5 episodes that all end truncated
    config = dataclasses.replace(SHORT, steps=100, learning_starts=50, truncation_as_terminal=flag,
                                 eval_every=0)
    buffer = ReplayBuffer(100, (3,), (1,), np.float32, seed=0)
    run = ddpg.train("Pendulum-v1", config, seed=0, env_kwargs={"max_episode_steps": 20},
                     replay_buffer=buffer)
    ends = np.arange(19, 100, 20)
    assert np.array_equal(np.flatnonzero(buffer.truncated), ends)
    assert np.array_equal(np.flatnonzero(buffer.terminated), ends if flag else [])
    assert run.episodes == 5


@pytest.mark.parametrize("flag", [False, True])
def test_the_loop_stores_a_real_termination_as_terminal_and_a_time_limit_as_truncated(flag):
    # ReachTheEdge cut at 8 steps: random warm-up actions (a random walk of step ±0.5 at most,
    # about 12 steps to an edge on average) end episodes both ways, and so may the actor after
    # the warm-up. Rebuilt from the stored s′ alone: an episode ends where |x′| ≥ 1 (terminated)
    # or at its 8th step (truncated: both, if the edge is reached on that step). Stored as
    # terminal: the real terminations only, unless the bug demonstration adds the truncations
    config = dataclasses.replace(SHORT, steps=160, learning_starts=100, truncation_as_terminal=flag,
                                 eval_every=0)
    buffer = ReplayBuffer(160, (1,), (1,), np.float32, seed=0)
    run = ddpg.train(EDGE_ID, config, seed=0, env_kwargs={"max_episode_steps": 8},
                     replay_buffer=buffer)
    assert len(buffer) == 160
    reached = np.abs(buffer.next_obs[:, 0]) >= 1
    cut, t = [], 0
    for edge in reached:
        t += 1
        cut.append(t == 8)
        t = 0 if edge or t == 8 else t
    cut = np.array(cut)
    assert np.array_equal(buffer.truncated, cut.astype(np.float32))
    assert np.array_equal(buffer.terminated, (reached | (cut & flag)).astype(np.float32))
    # both kinds of end, in the warm-up alone (numpy's draws: the same on every machine)
    warm_up = slice(0, 100)
    assert reached[warm_up].sum() >= 3 and (cut & ~reached)[warm_up].sum() >= 3
    ended = reached | cut
    assert run.episodes == ended.sum()
    # each transition as it happened: r = s, s′ = s + a / 2; the next one starts at s′ within an
    # episode and at the reset's x = 0 after an end
    assert np.array_equal(buffer.reward, buffer.obs[:, 0])
    assert np.allclose(buffer.next_obs, buffer.obs + buffer.action / 2, atol=1e-6)
    assert np.array_equal(buffer.obs[1:][~ended[:-1]], buffer.next_obs[:-1][~ended[:-1]])
    assert np.all(buffer.obs[1:][ended[:-1]] == 0.0) and buffer.obs[0, 0] == 0.0


def test_a_training_time_limit_cuts_training_episodes_but_not_the_evaluations():
    # time_limit=30: 90 steps are 3 episodes, each ending truncated (never terminated); the
    # periodic evaluation at step 90 still plays Pendulum's own 200 steps
    config = dataclasses.replace(SHORT, steps=90, learning_starts=40, time_limit=30, eval_every=90)
    buffer = ReplayBuffer(90, (3,), (1,), np.float32, seed=0)
    run = ddpg.train("Pendulum-v1", config, seed=0, replay_buffer=buffer)
    assert run.episodes == 3
    assert np.array_equal(np.flatnonzero(buffer.truncated), [29, 59, 89])
    assert not buffer.terminated.any()
    [(_, logged)] = run.metrics.column("eval_mean_return")
    full = evaluate("Pendulum-v1", run.agent.act, episodes=1, seed=VALIDATION_SEED).mean_return
    cut = evaluate(make_env("Pendulum-v1", max_episode_steps=30), run.agent.act, episodes=1,
                   seed=VALIDATION_SEED).mean_return
    assert logged == pytest.approx(full) and full < cut  # 200 steps of costs, not 30


@pytest.mark.parametrize("unscaled", [False, True])
def test_the_unscaled_actor_bug_sends_the_tanh_output_to_the_env_as_is(unscaled):
    # warm-up actions are the env's own, uniform in [−2, 2]; after it the actor acts, and with the
    # bug its tanh output in [−1, 1] is the torque: at most half of what Pendulum allows
    config = dataclasses.replace(SHORT, steps=100, learning_starts=50, unscaled_actor=unscaled,
                                 noise_sigma=0.5, eval_every=0)
    buffer = ReplayBuffer(100, (3,), (1,), np.float32, seed=0)
    run = ddpg.train("Pendulum-v1", config, seed=0, replay_buffer=buffer)
    assert np.abs(buffer.action[:50]).max() > 1.5
    acted = np.abs(buffer.action[50:])
    assert (acted.max() <= 1.0) if unscaled else (acted.max() > 1.0)
    obs = np.array([-1.0, 0.0, 0.5], dtype=np.float32)
    raw = run.agent.raw_action(obs)
    assert np.allclose(run.agent.act(obs), raw if unscaled else 2 * raw, atol=1e-6)


def test_the_loop_stores_each_transition_as_it_happened():
    # Pendulum's reward is −(θ² + 0.1 θ̇² + 0.001 u²) of the state *before* the step, which the
    # observation (cos θ, sin θ, θ̇) holds, and of the action u taken: so each stored reward must
    # match its own obs and action. float32 observations: 1e-4 is float32 rounding, well below
    # the 0.001 u² term a misaligned action would move
    config = dataclasses.replace(SHORT, steps=100, learning_starts=50, eval_every=0)
    buffer = ReplayBuffer(100, (3,), (1,), np.float32, seed=0)
    ddpg.train("Pendulum-v1", config, seed=0, env_kwargs={"max_episode_steps": 20},
               replay_buffer=buffer)
    theta = np.arctan2(buffer.obs[:, 1], buffer.obs[:, 0])
    cost = theta ** 2 + 0.1 * buffer.obs[:, 2] ** 2 + 0.001 * buffer.action[:, 0] ** 2
    assert np.allclose(buffer.reward, -cost, atol=1e-4)
    assert np.all(np.abs(buffer.action) <= 2.0) and len(np.unique(buffer.action)) > 50  # some clip at ±2
    inside = buffer.truncated[:-1] == 0  # within an episode, s' of one step is s of the next
    assert np.array_equal(buffer.obs[1:][inside], buffer.next_obs[:-1][inside])
    assert not np.array_equal(buffer.obs, buffer.next_obs)


def test_the_loops_update_is_ddpg_update_on_a_replayed_batch():
    # exactly one update, at the last step (learning_starts = steps), redone here by hand from the
    # stored transitions: the same initial networks (seed_everything, then Actor and Critic), the
    # batch the buffer's generator draws, both Adams at their own rates, γ and τ of the config
    config = dataclasses.replace(SHORT, steps=40, learning_starts=40, batch_size=16, gamma=0.7,
                                 tau=0.3, actor_lr=1e-2, critic_lr=3e-2, eval_every=0)
    buffer = ReplayBuffer(100, (3,), (1,), np.float32, seed=5)
    sampler = copy.deepcopy(buffer.rng)
    run = ddpg.train("Pendulum-v1", config, seed=2, replay_buffer=buffer)
    seed_everything(2)
    actor, critic = Actor(3, [-2.0], [2.0], (16, 16)), Critic(3, 1, (16, 16))
    target_actor, target_critic = copy.deepcopy(actor), copy.deepcopy(critic)
    idx = sampler.integers(0, 40, size=16)
    batch = Batch(*(torch.from_numpy(getattr(buffer, name)[idx]) for name in Batch._fields))
    ddpg.ddpg_update(actor, critic, target_actor, target_critic,
                     torch.optim.Adam(actor.parameters(), lr=1e-2),
                     torch.optim.Adam(critic.parameters(), lr=3e-2), batch, gamma=0.7, tau=0.3)
    for got, want in ((run.actor, actor), (run.critic, critic), (run.target_actor, target_actor),
                      (run.target_critic, target_critic)):
        assert all(torch.equal(a, b) for a, b in zip(got.parameters(), want.parameters(), strict=True))
    assert not torch.equal(run.target_actor.net[0].weight, run.actor.net[0].weight)  # soft, τ < 1


def test_device_auto_trains_on_the_gpu_only_where_torch_sees_one():
    config = dataclasses.replace(SHORT, steps=30, learning_starts=10, eval_every=0, device="auto")
    run = ddpg.train("Pendulum-v1", config, seed=0)
    expected = "cuda" if torch.cuda.is_available() else "cpu"
    assert {p.device.type for p in run.actor.parameters()} == {expected}


def test_a_replay_buffer_that_does_not_fit_is_refused():
    # a buffer made with DQN's defaults stores one int action per transition, not Pendulum's (1,)
    with pytest.raises(ValueError, match=r"actions of shape \(\), but the env has \(3,\) and \(1,\)"):
        ddpg.train("Pendulum-v1", SHORT, replay_buffer=ReplayBuffer(10, obs_shape=(3,)))


def test_ou_noise_explores_with_actions_correlated_in_time():
    # the same σ = 0.3 on the raw action (0.6 N·m): Gaussian noise is drawn afresh each step, so
    # consecutive actions differ by |N(0, 2 · 0.6²)|, 0.68 on average (a little less once clipped);
    # OU noise with θ dt = 0.0015 moves by about 0.6 √(2 θ dt) = 0.03 a step, and what is left is
    # the actor following the state. Over 150 steps the means are 0.59 and 0.05-0.08 (seeds 0, 1)
    step_change = {}
    for noise in ("gaussian", "ou"):
        config = dataclasses.replace(SHORT, steps=150, learning_starts=0, noise=noise,
                                     noise_sigma=0.3, eval_every=0)
        buffer = ReplayBuffer(150, (3,), (1,), np.float32, seed=0)
        ddpg.train("Pendulum-v1", config, seed=0, replay_buffer=buffer)
        step_change[noise] = np.abs(np.diff(buffer.action[:, 0])).mean()
    assert step_change["gaussian"] > 0.45  # 3 standard errors (0.04 each) under the 0.59 seen
    assert step_change["ou"] < step_change["gaussian"] / 4, step_change


def test_the_same_seed_twice_gives_bit_identical_metrics(tmp_path):
    for name in ("a", "b"):
        ddpg.train("Pendulum-v1", SHORT, seed=3).metrics.to_csv(tmp_path / f"{name}.csv")
    assert (tmp_path / "a.csv").read_bytes() == (tmp_path / "b.csv").read_bytes()
    ddpg.train("Pendulum-v1", SHORT, seed=4).metrics.to_csv(tmp_path / "c.csv")
    assert (tmp_path / "a.csv").read_bytes() != (tmp_path / "c.csv").read_bytes()


def test_save_and_load_give_the_same_actions_and_critic_values(tmp_path):
    run = ddpg.train("Pendulum-v1", SHORT, seed=0, checkpoint_dir=tmp_path / "model")
    loaded = ddpg.load_agent(tmp_path / "model")
    obs = np.random.default_rng(0).normal(size=(10, 3)).astype(np.float32)
    for o in obs:
        assert np.array_equal(loaded.act(o), run.agent.act(o))
    action = torch.zeros(10, 1)
    assert torch.equal(loaded.critic(torch.from_numpy(obs), action), run.critic(torch.from_numpy(obs), action))
    assert read_meta(tmp_path / "model")["step"] == 600
    assert not list(tmp_path.rglob("*.pt")) and not list(tmp_path.rglob("*.pkl"))


def test_resume_continues_from_the_checkpoint(tmp_path):
    config = dataclasses.replace(SHORT, learning_starts=10_000, eval_every=0)  # no update: weights carry over
    first = ddpg.train("Pendulum-v1", config, seed=0, steps=400, checkpoint_dir=tmp_path / "model")
    resumed = ddpg.train("Pendulum-v1", config, seed=1, steps=600, resume_from=tmp_path / "model")
    assert resumed.steps == 600 and resumed.episodes == 3
    for p_first, p_resumed in zip(first.actor.parameters(), resumed.actor.parameters()):
        assert torch.equal(p_first, p_resumed)


@pytest.mark.filterwarnings("ignore::RuntimeWarning")  # overflow while the critic diverges: expected
def test_a_non_finite_loss_stops_training_and_keeps_the_last_good_checkpoint(tmp_path):
    config = dataclasses.replace(SHORT, steps=3_000, actor_lr=1e30, critic_lr=1e30, eval_every=200)
    with pytest.raises(ddpg.NonFiniteLossError, match="the critic loss became") as error:
        ddpg.train("Pendulum-v1", config, seed=0, checkpoint_dir=tmp_path / "ckpt")
    assert "last good checkpoint" in str(error.value)
    good_step = read_meta(tmp_path / "ckpt")["step"]
    assert good_step > 0 and good_step % 200 == 0 and good_step < error.value.run.steps
    saved = ddpg.load_agent(tmp_path / "ckpt")
    for net in (saved.actor, saved.critic, error.value.run.agent.actor, error.value.run.agent.critic):
        assert all(torch.isfinite(p).all() for p in net.parameters())


def test_the_command_line_reports_a_non_finite_loss_without_a_traceback(tmp_path, capsys):
    out = tmp_path / "run"
    code = cli_main(["train", "ddpg", "--env", "Pendulum-v1", "--seed", "0", "--steps", "3000",
                     "--out", str(out), "--no-progress", "--set", "actor_lr=1e30",
                     "--set", "critic_lr=1e30", "--set", "eval_every=260"])
    assert code == 1
    err = capsys.readouterr().err
    assert "rlcourse train: error: DDPG stopped at step" in err and "Traceback" not in err
    good_step = read_meta(out / "model")["step"]  # the last periodic evaluation before it diverged
    assert good_step > 0 and good_step % 260 == 0


def test_the_command_line_trains_saves_and_evaluates(tmp_path, capsys):
    out = tmp_path / "runs" / "ddpg"  # its parent does not exist yet
    code = cli_main(["train", "ddpg", "--env", "Pendulum-v1", "--steps", "400", "--out", str(out),
                     "--seed", "3", "--no-progress", "--set", "learning_starts=200",
                     "--set", "eval_every=200", "--set", "eval_episodes=1",
                     "--set", "final_eval_episodes=2", "--set", "actor_hidden=(16, 16)"])
    assert code == 0
    record = read_json(out / "eval.json")
    assert record["algo"] == "ddpg" and record["episodes"] == 2 and record["seed"] == 3
    assert record["env_id"] == "Pendulum-v1" and record["train_seconds"] > 0
    stored = read_json(out / "config.json")
    assert (stored["algo"], stored["env_id"], stored["seed"]) == ("ddpg", "Pendulum-v1", 3)
    assert (stored["steps"], stored["episodes"]) == (400, None)
    assert stored["hyperparameters"]["actor_hidden"] == [16, 16]
    assert stored["hyperparameters"]["gamma"] == 0.98  # Pendulum's tuned values underneath
    assert read_meta(out / "model")["step"] == 400
    assert (out / "metrics.csv").is_file() and (out / "model").is_dir()
    capsys.readouterr()
    assert cli_main(["evaluate", str(out), "--episodes", "2"]) == 0
    assert '"mean_return"' in capsys.readouterr().out
    policy = ddpg.load_policy(out)
    assert policy(np.zeros(3, dtype=np.float32)).shape == (1,)
    assert evaluate("Pendulum-v1", policy, episodes=2).returns == record["returns"]
    # a second run, of 1 episode, into the same directory replaces the first
    assert cli_main(["train", "ddpg", "--env", "Pendulum-v1", "--episodes", "1", "--out", str(out),
                     "--no-progress", "--set", "eval_every=0", "--set", "final_eval_episodes=1"]) == 0
    assert read_json(out / "config.json")["episodes"] == 1
    assert (out / "metrics.csv").read_text().splitlines()[-1].split(",")[:2] == ["200", "1"]


# --- learning ------------------------------------------------------------------------------------

@pytest.mark.learning
def test_ddpg_learns_to_swing_up_the_pendulum_over_seeds():
    # a reduced budget and a looser threshold than the benchmark's target (-200 at 20k steps)
    config = dataclasses.replace(ddpg.default_config("Pendulum-v1"), steps=5_000, eval_every=0)
    for seed in (0, 1):
        run = ddpg.train("Pendulum-v1", config, seed=seed)
        mean_return = evaluate("Pendulum-v1", run.agent.act, episodes=10).mean_return
        assert mean_return >= -400, (seed, mean_return)
