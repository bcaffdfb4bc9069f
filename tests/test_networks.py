"""Tests of rlcourse.networks: mlp, hard and soft target updates, the numpy forward pass."""

import numpy as np
import pytest
import torch
from torch import nn

from rlcourse.networks import (Actor, NumpyForward, hard_update, mlp, scale_action, select_device,
                               soft_update)


def test_mlp_shapes_and_layers():
    net = mlp(4, 2, hidden=(32, 16))
    assert net(torch.zeros(5, 4)).shape == (5, 2)
    linears = [m for m in net if isinstance(m, nn.Linear)]
    assert [(m.in_features, m.out_features) for m in linears] == [(4, 32), (32, 16), (16, 2)]
    assert isinstance(mlp(3, 1, hidden=(8,), output_activation=nn.Tanh)[-1], nn.Tanh)
    assert mlp(3, 1, hidden=())(torch.zeros(2, 3)).shape == (2, 1)


def test_hard_update_copies_the_online_network_into_the_target():
    torch.manual_seed(0)
    online, target = mlp(3, 2, (8,)), mlp(3, 2, (8,))
    online_before = [p.detach().clone() for p in online.parameters()]
    assert not torch.equal(target[0].weight, online[0].weight)  # the direction can be wrong
    hard_update(target, online)
    for a, b, before in zip(target.parameters(), online.parameters(), online_before):
        assert torch.equal(a, b) and torch.equal(b, before)  # online's values, online untouched
    with torch.no_grad():
        online[0].weight.add_(1.0)  # a copy, not shared storage
    assert not torch.equal(target[0].weight, online[0].weight)


def test_hard_update_copies_buffers_too():
    # the actor's action bounds are buffers, not parameters: a target must get them as well

    online, target = Actor(3, [-2.0], [2.0], (8,)), Actor(3, [-1.0], [5.0], (8,))
    hard_update(target, online)
    assert torch.equal(target.action_low, online.action_low)
    assert torch.equal(target.action_high, online.action_high)


def constant_net(value):
    net = nn.Linear(2, 1)
    with torch.no_grad():
        net.weight.fill_(value)
        net.bias.fill_(value)
    return net


def test_soft_update_arithmetic_by_hand():
    # target = tau * online + (1 - tau) * target = 0.1 * 10 + 0.9 * 2 = 2.8
    target, online = constant_net(2.0), constant_net(10.0)
    soft_update(target, online, tau=0.1)
    assert torch.allclose(target.weight, torch.full((1, 2), 2.8))
    assert torch.allclose(target.bias, torch.full((1,), 2.8))
    assert torch.all(online.weight == 10.0)  # the online network is untouched
    soft_update(target, online, tau=0.5)  # 0.5 * 10 + 0.5 * 2.8 = 6.4
    assert torch.allclose(target.weight, torch.full((1, 2), 6.4))


def test_soft_update_tau_one_is_a_hard_update():
    target, online = constant_net(2.0), constant_net(10.0)
    soft_update(target, online, tau=1.0)
    assert torch.equal(target.weight, online.weight)


@pytest.mark.parametrize("tau", [0.0, -0.1, 1.5])
def test_soft_update_invalid_tau(tau):
    with pytest.raises(ValueError, match="tau must be in"):
        soft_update(constant_net(0.0), constant_net(1.0), tau)


def test_select_device():
    assert select_device("cpu") == torch.device("cpu")
    assert select_device("auto").type in {"cpu", "cuda"}
    if not torch.cuda.is_available():
        with pytest.raises(ValueError, match="no CUDA"):
            select_device("cuda")


@pytest.mark.parametrize("output_activation", [None, nn.Tanh])
def test_the_numpy_forward_pass_equals_torch_and_sees_every_update(output_activation):
    torch.manual_seed(0)
    net = mlp(3, 2, hidden=(16, 8), output_activation=output_activation)
    forward = NumpyForward()
    obs = np.random.default_rng(0).normal(size=(50, 3)).astype(np.float32)
    with torch.no_grad():
        expected = net(torch.from_numpy(obs)).numpy()
    assert np.allclose([forward(net, o) for o in obs], expected, atol=1e-6)
    with torch.no_grad():  # an optimiser step changes the parameters in place: seen at once
        net[-2 if output_activation else -1].bias.add_(5.0)
        moved = net(torch.from_numpy(obs)).numpy()
    assert not np.allclose(moved, expected)
    assert np.allclose([forward(net, o) for o in obs], moved, atol=1e-6)


def test_the_numpy_forward_pass_follows_a_replaced_network_and_leaves_others_to_torch():
    torch.manual_seed(0)
    forward = NumpyForward()
    obs = np.ones(3, dtype=np.float32)
    first, second = mlp(3, 2, hidden=(4,)), mlp(3, 2, hidden=(4,))
    with torch.no_grad():
        assert np.allclose(forward(first, obs), first(torch.from_numpy(obs)).numpy(), atol=1e-6)
        assert np.allclose(forward(second, obs), second(torch.from_numpy(obs)).numpy(), atol=1e-6)
    with_dropout = nn.Sequential(nn.Linear(3, 4), nn.Dropout(0.5), nn.Linear(4, 2))
    assert forward(with_dropout, obs) is None  # not an mlp of Linear, ReLU and Tanh: torch runs it
    assert forward(None, obs) is None


def test_the_actor_scales_its_tanh_output_onto_asymmetric_bounds():
    # raw -1 -> low, +1 -> high; the actor's forward is scale_action of its raw output
    assert np.allclose(scale_action(np.array([-1.0, 0.0, 1.0]), [0.0, 0.0, -3.0], [4.0, 2.0, 1.0]),
                       [0.0, 1.0, 1.0])
    torch.manual_seed(0)
    actor = Actor(3, [-1.0, 0.0], [3.0, 10.0], hidden=(8,))
    obs = torch.randn(5, 3)
    assert torch.allclose(actor(obs), scale_action(actor.raw(obs), actor.action_low,
                                                   actor.action_high))
