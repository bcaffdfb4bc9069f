"""Small networks and target-network updates (chapters 01, 03, 04, 05, 06).

The target-network updates live here because DQN and DDPG share them:

* hard update (DQN): θ⁻ ← θ every C steps;
* soft update (DDPG, optionally DQN): θ⁻ ← τ θ + (1 − τ) θ⁻ every step, where ``tau`` is the
  weight of the **online** network (Spinning Up's ``polyak`` is 1 − τ).

So does acting: :class:`NumpyForward` runs one observation through an :func:`mlp` in numpy, for
both agents; and :func:`scale_action` maps the actor's tanh output onto the env's bounds.
"""

from __future__ import annotations

from typing import Any, Sequence

import numpy as np
import torch
from torch import nn


def mlp(in_dim: int, out_dim: int, hidden: Sequence[int] = (64, 64),
        activation: type[nn.Module] = nn.ReLU, output_activation: type[nn.Module] | None = None) -> nn.Sequential:
    """A multilayer perceptron ``in_dim → hidden... → out_dim`` as an ``nn.Sequential``.

    Example:
        >>> net = mlp(4, 2, hidden=(32,))
        >>> net(torch.zeros(5, 4)).shape
        torch.Size([5, 2])
    """
    layers: list[nn.Module] = []
    sizes = [in_dim, *hidden]
    for a, b in zip(sizes[:-1], sizes[1:]):
        layers += [nn.Linear(a, b), activation()]
    layers.append(nn.Linear(sizes[-1], out_dim))
    if output_activation is not None:
        layers.append(output_activation())
    return nn.Sequential(*layers)


@torch.no_grad()
def hard_update(target: nn.Module, online: nn.Module) -> None:
    """θ⁻ ← θ: copy the online network's parameters into the target network."""
    target.load_state_dict(online.state_dict())


@torch.no_grad()
def soft_update(target: nn.Module, online: nn.Module, tau: float) -> None:
    """θ⁻ ← τ θ + (1 − τ) θ⁻, with ``tau`` the weight of the online network (0 < τ ≤ 1)."""
    if not 0.0 < tau <= 1.0:
        raise ValueError(f"tau must be in (0, 1], got {tau}")
    # target + tau * (online - target) for every parameter, as one call over the two lists: the
    # same bits as a loop of lerp_ (tested), without its per-tensor Python overhead (a DDPG
    # update runs two of these)
    torch._foreach_lerp_(list(target.parameters()), list(online.parameters()), tau)


def select_device(prefer: str = "auto") -> torch.device:
    """``"auto"`` gives CUDA when available, else CPU; ``"cpu"`` or ``"cuda"`` force one."""
    if prefer == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if prefer == "cuda" and not torch.cuda.is_available():
        raise ValueError("device 'cuda' was asked for but torch sees no CUDA GPU; use 'auto' or 'cpu'")
    return torch.device(prefer)


class NumpyForward:
    """``net(obs)`` for one observation, computed in numpy on views of the network's parameters.

    For one observation a torch forward costs ~10× more in call overhead than the arithmetic, and
    an agent acts every env step. The views share memory with the parameters, so every optimiser
    step is seen at once; they are rebuilt when the network is replaced or any of its parameters
    is given new storage (``param.data = ...``, a dtype change).
    It applies to a CPU ``nn.Sequential`` of Linear, ReLU and Tanh layers (what :func:`mlp`
    builds); for anything else it returns None and the caller runs torch.
    """

    def __init__(self) -> None:
        self._net: nn.Module | None = None
        #: (parameter, the address of its storage when the views were made), to see storage move
        self._storage: list[tuple[torch.Tensor, int]] = []
        #: (weight, bias, activation after the layer: "relu", "tanh" or None) per Linear layer
        self._layers: list[tuple[np.ndarray, np.ndarray, str | None]] = []

    def __call__(self, net: nn.Module | None, obs: Any) -> np.ndarray | None:
        # runs every env step: see staleness by identity and one pointer per parameter, without
        # walking the modules again
        if net is not self._net or any(p.data_ptr() != address for p, address in self._storage):
            self._build(net)
        if not self._layers:
            return None
        x = np.asarray(obs, dtype=np.float32).reshape(-1)  # (in_dim,)
        for weight, bias, activation in self._layers:
            x = weight @ x + bias
            if activation == "relu":
                x = np.maximum(x, 0.0)
            elif activation == "tanh":
                x = np.tanh(x)
        return x  # (out_dim,)

    def _build(self, net: nn.Module | None) -> None:
        self._net, self._storage, self._layers = net, [], []
        modules = list(net) if isinstance(net, nn.Sequential) else []
        if (not modules or not isinstance(modules[0], nn.Linear)
                or modules[0].weight.device.type != "cpu"):
            return  # nothing to run, or not on the CPU: torch runs it
        layers: list[tuple[np.ndarray, np.ndarray, str | None]] = []
        for module in modules:
            if isinstance(module, nn.Linear) and module.bias is not None:
                layers.append((module.weight.detach().numpy(), module.bias.detach().numpy(), None))
            elif type(module) in (nn.ReLU, nn.Tanh) and layers and layers[-1][2] is None:
                layers[-1] = (*layers[-1][:2], "relu" if type(module) is nn.ReLU else "tanh")
            else:
                return  # not an mlp: torch runs it
        self._storage = [(p, p.data_ptr()) for module in modules if isinstance(module, nn.Linear)
                         for p in (module.weight, module.bias)]
        self._layers = layers


# --- DQN: the Q-network (chapters 03, 04) ----------------------------------------------------------

class QNetwork(nn.Module):
    """Q(s, ·; θ): one forward pass gives the value of every action, ``(batch, n_actions)``.

    A table has a row per state; CartPole's state is four real numbers, so the row is computed
    by an MLP instead. One output per action means the greedy action is an argmax over one
    forward pass, not one pass per action.

    Args:
        obs_dim: length of an observation (4 for CartPole).
        n_actions: number of discrete actions (2 for CartPole).
        hidden: sizes of the hidden layers.

    Example:
        >>> QNetwork(4, 2, hidden=(32,))(torch.zeros(5, 4)).shape
        torch.Size([5, 2])
    """

    def __init__(self, obs_dim: int, n_actions: int, hidden: Sequence[int] = (64, 64)) -> None:
        super().__init__()
        self.obs_dim, self.n_actions, self.hidden = obs_dim, n_actions, tuple(hidden)
        self.net = mlp(obs_dim, n_actions, hidden)

    def forward(self, obs: torch.Tensor) -> torch.Tensor:
        return self.net(obs)  # (batch, obs_dim) -> (batch, n_actions)


# --- DDPG: the actor and the critic (chapters 05, 06) ----------------------------------------------

def scale_action(raw_action: Any, low: Any, high: Any) -> Any:
    """Map a raw action in [−1, 1] (a tanh output) linearly onto the env's bounds [low, high].

        a = low + (raw + 1) (high − low) / 2

    −1 goes to ``low``, +1 to ``high``, 0 to the middle; bounds may differ per dimension and need
    not be symmetric (for Pendulum, low = −2 and high = 2, so a = 2 raw).

    Args:
        raw_action: numpy array or torch tensor ``(..., action_dim)`` in [−1, 1].
        low, high: the bounds, scalars or ``(action_dim,)`` (numpy, lists or tensors).

    Returns:
        The same type as ``raw_action`` (a tensor keeps its graph, so gradients flow through).

    Example:
        >>> scale_action(np.array([-1.0, 0.0, 1.0]), 0.0, 4.0)
        array([0., 2., 4.])
    """
    if isinstance(raw_action, torch.Tensor):
        low = torch.as_tensor(low, dtype=raw_action.dtype, device=raw_action.device)
        high = torch.as_tensor(high, dtype=raw_action.dtype, device=raw_action.device)
    else:
        raw_action = np.asarray(raw_action)
        low, high = np.asarray(low), np.asarray(high)
    return low + (raw_action + 1.0) * (high - low) / 2.0


class Actor(nn.Module):
    """The deterministic policy μ(s; θ): an MLP with a tanh output, scaled to the env's bounds.

        raw = tanh(MLP(s)) ∈ [−1, 1]^action_dim,    μ(s) = low + (raw + 1) (high − low) / 2

    The scaling is :func:`scale_action`; the bounds may differ per dimension and need not be
    symmetric. :meth:`raw` gives the tanh output before scaling (exploration noise is
    added there, then clipped to [−1, 1]).

    Args:
        obs_dim: length of an observation (3 for Pendulum).
        action_low: the env's lower action bounds, ``(action_dim,)`` (``env.action_space.low``).
        action_high: the env's upper action bounds, ``(action_dim,)``.
        hidden: sizes of the hidden layers.

    Example:
        >>> actor = Actor(3, [-2.0], [2.0], hidden=(32,))
        >>> actor(torch.zeros(5, 3)).shape
        torch.Size([5, 1])
    """

    def __init__(self, obs_dim: int, action_low: Sequence[float], action_high: Sequence[float],
                 hidden: Sequence[int] = (64, 64)) -> None:
        super().__init__()
        low = torch.as_tensor(action_low, dtype=torch.float32).reshape(-1)
        high = torch.as_tensor(action_high, dtype=torch.float32).reshape(-1)
        if low.shape != high.shape or not bool(torch.all(high > low)):
            raise ValueError(f"action bounds must have the same shape with high > low, got "
                             f"low={low.tolist()}, high={high.tolist()}")
        self.obs_dim, self.action_dim, self.hidden = obs_dim, int(low.numel()), tuple(hidden)
        self.register_buffer("action_low", low)    # (action_dim,)
        self.register_buffer("action_high", high)  # (action_dim,)
        self.net = mlp(obs_dim, self.action_dim, hidden, output_activation=nn.Tanh)

    def raw(self, obs: torch.Tensor) -> torch.Tensor:
        """tanh(MLP(s)), ``(batch, action_dim)`` in [−1, 1], before scaling to the bounds."""
        return self.net(obs)

    def forward(self, obs: torch.Tensor) -> torch.Tensor:
        return scale_action(self.net(obs), self.action_low, self.action_high)  # (batch, action_dim)


class Critic(nn.Module):
    """The action-value Q(s, a; φ): an MLP of the concatenated ``[obs, action]``, one number out.

    Unlike DQN's Q-network (one output per discrete action) the action is an *input*, so Q can
    be differentiated with respect to it: ∇a Q(s, a) is what the actor climbs.

    Args:
        obs_dim: length of an observation.
        action_dim: length of an action.
        hidden: sizes of the hidden layers.

    Example:
        >>> Critic(3, 1, hidden=(32,))(torch.zeros(5, 3), torch.zeros(5, 1)).shape
        torch.Size([5])
    """

    def __init__(self, obs_dim: int, action_dim: int, hidden: Sequence[int] = (64, 64)) -> None:
        super().__init__()
        self.obs_dim, self.action_dim, self.hidden = obs_dim, action_dim, tuple(hidden)
        self.net = mlp(obs_dim + action_dim, 1, hidden)

    def forward(self, obs: torch.Tensor, action: torch.Tensor) -> torch.Tensor:
        # (batch, obs_dim), (batch, action_dim) -> (batch,)
        return self.net(torch.cat([obs, action], dim=-1)).squeeze(-1)
