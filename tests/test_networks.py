"""Tests of rlcourse.networks: mlp, hard and soft target updates."""

import numpy as np
import pytest
import torch
from torch import nn

from rlcourse.networks import (Actor, Critic, NumpyForward, QNetwork, hard_update, mlp, scale_action,
                               select_device, soft_update)


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


def test_soft_update_gives_the_bits_of_one_lerp_per_parameter():
    # soft_update runs one _foreach_lerp_ over all parameters; the stored outputs of chapter 06
    # were made with a loop of lerp_, so the two must agree to the bit, on every tensor, over many
    # updates (a different formula, e.g. tau * online + (1 - tau) * target, rounds differently)
    torch.manual_seed(0)
    online, target = Critic(3, 1, (16, 16)), Critic(3, 1, (16, 16))
    by_loop = Critic(3, 1, (16, 16))
    by_loop.load_state_dict(target.state_dict())
    for _ in range(20):
        with torch.no_grad():
            for param in online.parameters():
                param.add_(torch.randn_like(param))
            for want, param in zip(by_loop.parameters(), online.parameters()):
                want.lerp_(param, 0.01)
        soft_update(target, online, 0.01)
    assert all(torch.equal(got, want) for got, want in zip(target.parameters(), by_loop.parameters()))
    assert not torch.equal(target.net[0].weight, online.net[0].weight)


def test_soft_update_tau_one_is_a_hard_update():
    target, online = constant_net(2.0), constant_net(10.0)
    soft_update(target, online, tau=1.0)
    assert torch.equal(target.weight, online.weight) and torch.equal(target.bias, online.bias)
    # the copy went θ⁻ ← θ: both hold the online 10s (equal 2s would be the copy the wrong way)
    assert torch.all(target.weight == 10.0) and torch.all(online.weight == 10.0)


@pytest.mark.parametrize("tau", [0.0, -0.1, 1.5])
def test_soft_update_invalid_tau(tau):
    with pytest.raises(ValueError, match="tau must be in"):
        soft_update(constant_net(0.0), constant_net(1.0), tau)


def test_select_device():
    assert select_device("cpu") == torch.device("cpu")
    expected = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    assert select_device("auto") == expected and select_device() == expected  # "auto" by default
    if not torch.cuda.is_available():
        with pytest.raises(ValueError) as error:
            select_device("cuda")
        assert str(error.value) == ("device 'cuda' was asked for but torch sees no CUDA GPU; use "
                                    "'auto' or 'cpu'")


def test_mlp_uses_the_activation_given():
    net = mlp(2, 1, hidden=(4, 3), activation=nn.Tanh)
    assert [type(m) for m in net] == [nn.Linear, nn.Tanh, nn.Linear, nn.Tanh, nn.Linear]
    assert [type(m) for m in mlp(2, 1, hidden=(4,))] == [nn.Linear, nn.ReLU, nn.Linear]


def test_the_q_network_gives_one_value_per_action():
    torch.manual_seed(0)
    q_network = QNetwork(4, 3, hidden=(8, 8))
    assert (q_network.obs_dim, q_network.n_actions, q_network.hidden) == (4, 3, (8, 8))
    obs = torch.randn(5, 4)
    assert q_network(obs).shape == (5, 3)
    assert torch.equal(q_network(obs), q_network.net(obs))
    assert [(m.in_features, m.out_features) for m in q_network.net if isinstance(m, nn.Linear)] == \
        [(4, 8), (8, 8), (8, 3)]
    assert QNetwork(4, 2).hidden == (64, 64)


def test_the_actor_scales_its_tanh_output_onto_asymmetric_bounds():
    # raw = tanh(MLP(s)) in [−1, 1]; μ(s) = low + (raw + 1)(high − low)/2, per dimension
    torch.manual_seed(0)
    actor = Actor(3, [-1.0, 0.0], [3.0, 10.0], hidden=(8,))
    assert (actor.obs_dim, actor.action_dim, actor.hidden) == (3, 2, (8,))
    assert actor.action_low.tolist() == [-1.0, 0.0] and actor.action_high.tolist() == [3.0, 10.0]
    assert {name for name, _ in actor.named_buffers()} == {"action_low", "action_high"}
    obs = torch.randn(6, 3)
    raw = actor.raw(obs)
    assert raw.shape == (6, 2) and torch.all(raw.abs() <= 1)
    low, high = torch.tensor([-1.0, 0.0]), torch.tensor([3.0, 10.0])
    assert torch.allclose(actor(obs), low + (raw + 1) * (high - low) / 2)
    with torch.no_grad():  # saturate the tanh both ways: the bounds themselves
        actor.net[-2].bias.copy_(torch.tensor([1e3, -1e3]))
        actor.net[-2].weight.zero_()
    assert actor(obs[:1]).tolist() == [[3.0, 0.0]]
    assert Actor(3, [-2.0], [2.0]).hidden == (64, 64)
    assert [m.out_features for m in actor.net if isinstance(m, nn.Linear)] == [8, 2]
    # numpy's float64 bounds (an env's action_space.low is float32, a hand-made one may not be)
    # are stored as float32, like the network
    from_numpy = Actor(3, np.array([-2.0]), np.array([2.0]), hidden=(8,))
    assert from_numpy.action_low.dtype == from_numpy.action_high.dtype == torch.float32


@pytest.mark.parametrize("low, high", [([-1.0, 0.0], [1.0]), ([1.0], [1.0]), ([2.0], [1.0])])
def test_the_actor_refuses_bounds_that_do_not_make_a_box(low, high):
    with pytest.raises(ValueError) as error:
        Actor(3, low, high)
    assert str(error.value) == (f"action bounds must have the same shape with high > low, got "
                                f"low={low}, high={high}")


def test_the_critic_rates_the_concatenated_obs_and_action():
    torch.manual_seed(0)
    critic = Critic(3, 2, hidden=(8,))
    assert (critic.obs_dim, critic.action_dim, critic.hidden) == (3, 2, (8,))
    obs, action = torch.randn(5, 3), torch.randn(5, 2)
    q = critic(obs, action)
    assert q.shape == (5,)
    assert torch.equal(q, critic.net(torch.cat([obs, action], dim=1))[:, 0])
    assert critic.net[0].in_features == 5 and Critic(3, 1).hidden == (64, 64)
    assert [m.out_features for m in critic.net if isinstance(m, nn.Linear)] == [8, 1]
    # one transition without a batch dimension: a single number
    assert critic(obs[0], action[0]).shape == () and torch.allclose(critic(obs[0], action[0]), q[0])


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


def test_scale_action_and_the_actor_agree_on_asymmetric_bounds():
    # raw -1 -> low, +1 -> high; the actor's forward is scale_action of its raw output
    assert np.allclose(scale_action(np.array([-1.0, 0.0, 1.0]), [0.0, 0.0, -3.0], [4.0, 2.0, 1.0]),
                       [0.0, 1.0, 1.0])
    torch.manual_seed(0)
    actor = Actor(3, [-1.0, 0.0], [3.0, 10.0], hidden=(8,))
    obs = torch.randn(5, 3)
    assert torch.allclose(actor(obs), scale_action(actor.raw(obs), actor.action_low,
                                                   actor.action_high))


def test_scale_action_keeps_the_tensors_dtype_whatever_the_bounds_dtype():
    # numpy's default float64 bounds (np.array([-2.0])) on a float32 actor output: the action stays
    # float32, as the critic and the env's float32 Box expect; a float64 tensor stays float64
    raw = torch.tensor([[-1.0, 0.0], [0.5, 1.0]], requires_grad=True)  # float32
    low, high = np.array([-2.0, 0.0]), np.array([2.0, 4.0])            # float64
    action = scale_action(raw, low, high)
    assert action.dtype == torch.float32 and action.requires_grad
    assert action.tolist() == [[-2.0, 2.0], [1.0, 4.0]]
    assert scale_action(raw.detach().double(), low.astype(np.float32), high).dtype == torch.float64


def test_the_numpy_forward_pass_gives_float32_for_any_form_of_one_observation():
    # an observation as float64 (numpy's default), as a list, or as a (1, obs_dim) row: the pass
    # casts it to float32 and flattens it, so each gives the bits of the float32 observation
    torch.manual_seed(0)
    net = mlp(3, 2, hidden=(16, 8))
    forward = NumpyForward()
    obs64 = np.random.default_rng(1).normal(size=3)
    reference = forward(net, obs64.astype(np.float32))
    assert reference.dtype == np.float32 and reference.shape == (2,)
    for same in (obs64, obs64.tolist(), obs64.reshape(1, 3)):
        result = forward(net, same)
        assert result.dtype == np.float32 and np.array_equal(result, reference), type(same)


def test_the_numpy_forward_pass_follows_parameters_whose_storage_moved():
    # an in-place step is seen through the views; a parameter given new storage (.data = ...,
    # as load code or a learner's hand-written update may do) must rebuild them, not read stale memory
    torch.manual_seed(0)
    net = mlp(3, 2, hidden=(4,))
    forward = NumpyForward()
    obs = np.ones(3, dtype=np.float32)
    forward(net, obs)
    with torch.no_grad():
        net[0].weight.data = net[0].weight.data * 3.0  # new storage, same Parameter object
        expected = net(torch.from_numpy(obs)).numpy()
    assert np.allclose(forward(net, obs), expected, atol=1e-6)
    with torch.no_grad():
        net[-1].bias.data = net[-1].bias.data + 1.0  # a later layer: its arrays are rebuilt too
        expected = net(torch.from_numpy(obs)).numpy()
    assert np.allclose(forward(net, obs), expected, atol=1e-6)


def test_the_numpy_forward_pass_leaves_any_other_network_to_torch_on_every_call():
    # a fresh pass asked about no network, then networks it cannot run (a first layer without
    # weights, a dropout), each twice: None every time, never an error
    obs = np.ones(3, dtype=np.float32)
    forward = NumpyForward()
    assert forward(None, obs) is None and forward(None, obs) is None
    for net in (nn.Sequential(nn.Flatten(0), nn.Linear(3, 2)),
                nn.Sequential(nn.Linear(3, 4), nn.Dropout(0.5), nn.Linear(4, 2))):
        assert forward(net, obs) is None and forward(net, obs) is None
