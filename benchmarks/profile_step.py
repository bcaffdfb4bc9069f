"""What one training step of DQN (CartPole-v1) and DDPG (Pendulum-v1) costs, and what the
proposals of benchmarks/results/PROFILE.md would save, measured on the tuned networks and batches.

    .venv/bin/python benchmarks/profile_step.py

Prints the CPU time of this process per call (median over interleaved rounds, so a busy machine
slows every variant alike): the package's update as it is, variants of it, and the rest of a step
(env step, acting, storing). The variants are measurements of proposals, written out here so that
the package keeps one update per algorithm; nothing imports them.
"""

from __future__ import annotations

import copy
import statistics
import time
from typing import Callable

import gymnasium as gym
import numpy as np
import torch
import torch.nn.functional as F

from rlcourse import ddpg, dqn
from rlcourse.envs import seed_everything
from rlcourse.networks import Actor, Critic, QNetwork
from rlcourse.noise import GaussianNoise
from rlcourse.replay import Batch, ReplayBuffer

ROUNDS, CALLS = 7, 300


def filled_buffer(obs_dim: int, action_shape: tuple, action_dtype, sample_action) -> ReplayBuffer:
    buffer = ReplayBuffer(20_000, (obs_dim,), action_shape, action_dtype, seed=0)
    rng = np.random.default_rng(0)
    for _ in range(5_000):
        buffer.add(rng.standard_normal(obs_dim).astype(np.float32), sample_action(rng), 1.0,
                   rng.standard_normal(obs_dim).astype(np.float32), False, False)
    return buffer


# --- DQN: CartPole's tuned network (256-256), batch 64, Double DQN, clipping at 10 -------------------

q_network = QNetwork(4, 2, (256, 256))
target_q_network = copy.deepcopy(q_network)
optimizer = torch.optim.Adam(q_network.parameters(), lr=1e-3, fused=True)
q_buffer = filled_buffer(4, (), np.int64, lambda rng: int(rng.integers(2)))
small_q_network = QNetwork(4, 2, (64, 64))
small_target_q_network = copy.deepcopy(small_q_network)
small_optimizer = torch.optim.Adam(small_q_network.parameters(), lr=1e-3, fused=True)


def dqn_as_is(batch: Batch) -> None:
    dqn.dqn_update(q_network, target_q_network, optimizer, batch, gamma=0.99, double_dqn=True,
                   max_grad_norm=10.0)


def dqn_without_clipping(batch: Batch) -> None:
    dqn.dqn_update(q_network, target_q_network, optimizer, batch, gamma=0.99, double_dqn=True,
                   max_grad_norm=float("inf"))


def dqn_clipping_only_when_needed(batch: Batch) -> None:
    with torch.no_grad():
        td_target = dqn.double_dqn_target(batch.reward, target_q_network(batch.next_obs),
                                          q_network(batch.next_obs), batch.terminated, 0.99)
    q_values = q_network(batch.obs)
    loss = dqn.dqn_loss(q_values, batch.action, td_target)
    optimizer.zero_grad()
    loss.backward()
    grads = [p.grad for p in q_network.parameters()]
    # on a CPU, reading the norm costs no device sync: scale only the steps that need it
    total_norm = torch.linalg.vector_norm(torch.stack(torch._foreach_norm(grads)))
    if total_norm > 10.0:
        torch._foreach_mul_(grads, 10.0 / (float(total_norm) + 1e-6))
    optimizer.step()
    with torch.no_grad():
        q_mean = q_values.gather(1, batch.action.unsqueeze(1)).mean()
    loss.item(), q_mean.item()


def dqn_64_64(batch: Batch) -> None:
    dqn.dqn_update(small_q_network, small_target_q_network, small_optimizer, batch, gamma=0.99,
                   double_dqn=True, max_grad_norm=10.0)


# --- DDPG: Pendulum's tuned networks (64-64 each), batch 128, tau 0.01 ------------------------------

LOW, HIGH = np.array([-2.0], np.float32), np.array([2.0], np.float32)
actor, critic = Actor(3, LOW, HIGH, (64, 64)), Critic(3, 1, (64, 64))
target_actor, target_critic = copy.deepcopy(actor), copy.deepcopy(critic)
for network in (target_actor, target_critic):
    network.requires_grad_(False)
actor_optimizer = torch.optim.Adam(actor.parameters(), lr=1e-3)  # as ddpg.py did before 0966788
critic_optimizer = torch.optim.Adam(critic.parameters(), lr=1e-3)
fused_actor_optimizer = torch.optim.Adam(actor.parameters(), lr=1e-3, fused=True)  # as it does now
fused_critic_optimizer = torch.optim.Adam(critic.parameters(), lr=1e-3, fused=True)
d_buffer = filled_buffer(3, (1,), np.float32,
                         lambda rng: rng.uniform(-2, 2, 1).astype(np.float32))
critic_params, target_critic_params = list(critic.parameters()), list(target_critic.parameters())
actor_params, target_actor_params = list(actor.parameters()), list(target_actor.parameters())


def ddpg_plain_adam(batch: Batch) -> None:
    ddpg.ddpg_update(actor, critic, target_actor, target_critic, actor_optimizer,
                     critic_optimizer, batch, gamma=0.98, tau=0.01)


def ddpg_as_is(batch: Batch) -> None:
    ddpg.ddpg_update(actor, critic, target_actor, target_critic, fused_actor_optimizer,
                     fused_critic_optimizer, batch, gamma=0.98, tau=0.01)


def ddpg_fused_adam_one_lerp(batch: Batch, *, actor_grads_only: bool = False) -> None:
    target = ddpg.critic_target(target_actor, target_critic, batch.reward, batch.next_obs,
                                batch.terminated, 0.98)
    q_pred = critic(batch.obs, batch.action)
    critic_loss = F.mse_loss(q_pred, target)
    fused_critic_optimizer.zero_grad()
    critic_loss.backward()
    fused_critic_optimizer.step()
    fused_actor_optimizer.zero_grad()
    if actor_grads_only:  # the actor's step needs no gradient of the critic's weights
        critic.requires_grad_(False)
        ddpg.actor_loss(actor, critic, batch.obs).backward()
        critic.requires_grad_(True)
    else:
        ddpg.actor_loss(actor, critic, batch.obs).backward()
    fused_actor_optimizer.step()
    with torch.no_grad():
        torch._foreach_lerp_(target_critic_params, critic_params, 0.01)
        torch._foreach_lerp_(target_actor_params, actor_params, 0.01)
    critic_loss.item(), q_pred.detach().mean().item()


# --- the rest of a step ------------------------------------------------------------------------------

def rest_of_step(env_id: str, act: Callable, buffer: ReplayBuffer, steps: int = 2_000) -> float:
    """CPU microseconds per env step, action choice and store."""
    env = gym.make(env_id)
    obs, _ = env.reset(seed=0)
    start = time.process_time()
    for _ in range(steps):
        action = act(obs)
        next_obs, reward, terminated, truncated, _ = env.step(action)
        buffer.add(obs, action, reward, next_obs, terminated, truncated)
        obs = env.reset()[0] if terminated or truncated else next_obs
    return (time.process_time() - start) / steps * 1e6


def main() -> None:
    torch.set_num_threads(1)
    torch.set_flush_denormal(True)  # as training does (rlcourse.envs.torch_cpu_settings)
    seed_everything(0)
    variants = {
        "dqn_update as is": (dqn_as_is, q_buffer, 64),
        "dqn: no clipping (upper bound)": (dqn_without_clipping, q_buffer, 64),
        "dqn: clip only when over": (dqn_clipping_only_when_needed, q_buffer, 64),
        "dqn: 64-64 network": (dqn_64_64, q_buffer, 64),
        "ddpg: plain Adam (before 0966788)": (ddpg_plain_adam, d_buffer, 128),
        "ddpg_update as is (fused Adam)": (ddpg_as_is, d_buffer, 128),
        "ddpg: fused Adam + one lerp": (ddpg_fused_adam_one_lerp, d_buffer, 128),
        "ddpg: + actor grads only": (lambda b: ddpg_fused_adam_one_lerp(b, actor_grads_only=True),
                                     d_buffer, 128),
    }
    for update, buffer, batch_size in variants.values():  # warm-up
        for _ in range(50):
            update(buffer.sample(batch_size))
    micros: dict[str, list[float]] = {name: [] for name in variants}
    for _ in range(ROUNDS):
        for name, (update, buffer, batch_size) in variants.items():
            batches = [buffer.sample(batch_size) for _ in range(CALLS)]
            start = time.process_time()
            for batch in batches:
                update(batch)
            micros[name].append((time.process_time() - start) / CALLS * 1e6)
    for name, values in micros.items():
        print(f"{name:32s} {statistics.median(values):6.0f} us per update "
              f"(rounds: {', '.join(f'{v:.0f}' for v in values)})")
    dqn_agent = dqn.DQNAgent(q_network)
    ddpg_agent = ddpg.DDPGAgent(actor, critic)
    noise = GaussianNoise(1, 0.1, rng=np.random.default_rng(0))
    cartpole = statistics.median(rest_of_step("CartPole-v1", dqn_agent.act, q_buffer)
                                 for _ in range(3))
    pendulum = statistics.median(rest_of_step("Pendulum-v1",
                                              lambda obs: ddpg_agent.explore(obs, noise), d_buffer)
                                 for _ in range(3))
    print(f"CartPole-v1 env step + act + store: {cartpole:.0f} us per step")
    print(f"Pendulum-v1 env step + explore + store: {pendulum:.0f} us per step")


if __name__ == "__main__":
    main()
