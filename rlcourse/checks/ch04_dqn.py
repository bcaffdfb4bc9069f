"""Checks of exercises/04_dqn: the replay buffer, the TD target, the DQN loss, target updates (chapter 04).

References: ``rlcourse.replay``, ``rlcourse.dqn``, ``rlcourse.networks``. Besides exact mutants the
catalogues name mistakes by property: whether stored and sampled rows and flags are the ones that
were added, which rows of a target are wrong (terminated or not), the shape an axis reduction
left, whether a loss still has a graph, which network an update changed.
"""

from __future__ import annotations

import copy
from typing import Any, Callable

import numpy as np

from rlcourse.i18n import N_, _

from .engine import (Exercise, KindOf, Mutant, Wrong, as_array, call, check_unchanged, checker, flat, is_tensor, kind,
                     ratio_everywhere)
from .properties import only_terminated_rows_wrong, output_shape, usable_as_label

_BATCH_FIELDS = ("obs", "action", "reward", "next_obs", "terminated", "truncated")
_SAMPLES = 3000
_SINGLE_DRAWS = 1000  # calls of sample(1): the newest-first or a fixed pattern shows in single draws


def _replay_cases() -> list[dict]:
    return [dict(capacity=5, n_added=3, seed=1, batch_size=_SAMPLES),
            dict(capacity=5, n_added=8, seed=2, batch_size=_SAMPLES),
            dict(capacity=4, n_added=4, seed=3, batch_size=_SAMPLES)]


def _terminated(i):
    return i % 4 == 3


def _truncated(i):
    return i % 3 == 1 and i % 4 != 3


def _fill(buffer, n_added: int) -> None:
    """Transition i: obs (i, -i), action i % 3, reward i + 1, next_obs (i + 1, -(i + 1)); some
    terminated, others truncated, never both: every field says which transition it came from."""
    for i in range(n_added):
        buffer.add(np.array([i, -i], dtype=np.float32), i % 3, float(i + 1),
                   np.array([i + 1, -(i + 1)], dtype=np.float32), terminated=_terminated(i),
                   truncated=_truncated(i))


def _rows(fields: dict) -> dict:
    """Per row: which transition it is (from its reward) and whether each field belongs to it."""
    reward = as_array(fields["reward"]).reshape(-1)
    ids = reward - 1
    obs = as_array(fields["obs"]).reshape(len(reward), -1)
    next_obs = as_array(fields["next_obs"]).reshape(len(reward), -1)
    terminated = as_array(fields["terminated"]).reshape(-1)
    truncated = as_array(fields["truncated"]).reshape(-1)
    return dict(ids=ids, whole=bool((obs[:, 0] == ids).all() and (next_obs[:, 0] == ids + 1).all()
                                    and (as_array(fields["action"]).reshape(-1) == ids % 3).all()),
                terminated=terminated, truncated=truncated,
                true_terminated=np.array([_terminated(i) for i in ids], dtype=float),
                true_truncated=np.array([_truncated(i) for i in ids], dtype=float))


def _observe_replay(cls: Callable, case: dict) -> dict:
    buffer = cls(case["capacity"], obs_shape=(2,), seed=case["seed"])
    _fill(buffer, case["n_added"])
    size = len(buffer)
    seen: dict[str, Any] = {N_("len(buffer)"): size}
    stored = _rows({name: getattr(buffer, name)[: max(size, 0)] for name in _BATCH_FIELDS})
    seen[N_("transitions stored (by number)")] = np.sort(stored["ids"])
    seen[N_("stored rows are whole transitions")] = stored["whole"]
    seen[N_("stored terminated flags are right")] = bool((stored["terminated"] == stored["true_terminated"]).all())
    seen[N_("stored truncated flags are right")] = bool((stored["truncated"] == stored["true_truncated"]).all())
    seen["_stored"] = stored
    try:
        seen.update(_observe_sample(cls, case, buffer, stored))
    except (NotImplementedError, Wrong, SystemExit):
        raise
    except Exception as error:  # noqa: BLE001 - what add() did is still diagnosed; the error is told after
        seen[N_("sample() raised")] = f"{type(error).__name__}: {error}"
        seen["_error"] = error
        return seen
    seen[N_("sample() raised")] = None
    return seen


def _uniform(sampled_ids: np.ndarray, stored_ids: np.ndarray, tolerance: float = 0.05) -> bool:
    """Whether every stored transition has about its share 1/n of the samples: ±0.05 is > 5 σ at 3000
    draws, ±0.06 > 4.7 σ at 1000, so a correct sampler drawing other numbers is not rejected."""
    share = np.array([(sampled_ids == i).mean() for i in stored_ids])
    return bool(len(share) and np.abs(share - 1 / len(share)).max() < tolerance)


def _observe_sample(cls: Callable, case: dict, buffer, stored: dict) -> dict:
    seen: dict[str, Any] = {}
    batch = buffer.sample(case["batch_size"])
    fields = {name: getattr(batch, name, None) for name in _BATCH_FIELDS}
    if any(value is None for value in fields.values()):
        raise Wrong(_("sample() must return a Batch(obs, action, reward, next_obs, terminated, truncated) of "
                      "tensors; yours returned {kind}.").format(kind=kind(batch)))
    for name in _BATCH_FIELDS:
        seen[f"batch.{name}"] = KindOf(fields[name])
    sampled = _rows(fields)
    seen["_sampled"] = sampled
    seen[N_("share of samples from filled slots")] = float(np.isin(sampled["ids"], stored["ids"]).mean())
    seen[N_("every stored transition is sampled equally often")] = _uniform(sampled["ids"], stored["ids"])
    single = np.concatenate([as_array(buffer.sample(1).reward).reshape(-1) - 1 for _call in range(_SINGLE_DRAWS)])
    seen[N_("batches of one are drawn at random")] = _uniform(single, stored["ids"], tolerance=0.06)
    seen[N_("each sampled row is one transition")] = sampled["whole"]
    seen[N_("sampled terminated flags are the stored ones")] = bool(
        (sampled["terminated"] == sampled["true_terminated"]).all())
    seen[N_("sampled truncated flags are the stored ones")] = bool((sampled["truncated"] == sampled["true_truncated"]).all())
    again = cls(case["capacity"], obs_shape=(2,), seed=case["seed"])
    _fill(again, case["n_added"])
    seen[N_("same seed, same batch")] = bool((as_array(again.sample(case["batch_size"]).reward)
                                          == as_array(batch.reward)).all())
    return seen


def _in_any(name: str, test: Callable[[dict], bool]) -> Callable:
    """A property: ``test`` holds of the learner's ``name`` observations in some case."""
    return lambda have, want, cases: any(name in h and test(h[name]) for h in have)


def _flags(where: str, field: str, relation: Callable[[dict], np.ndarray]) -> Callable:
    def holds(have, want, cases):
        rows = [h[where] for h in have]
        wrong = [not (r[field] == r[f"true_{field}"]).all() for r in rows]
        return any(wrong) and all((r[field] == relation(r)).all() for r in rows)
    return holds


def _stored_ids_wrong(when: Callable[[dict], bool]) -> Callable:
    def holds(have, want, cases):
        return any(when(c) and not np.array_equal(h["transitions stored (by number)"],
                                                  w["transitions stored (by number)"])
                   for h, w, c in zip(have, want, cases))
    return holds


def _batch_kind(test: Callable[[Any], bool]) -> Callable:
    return lambda have, want, cases: any(test(h[f"batch.{name}"].value) for h in have for name in _BATCH_FIELDS)


def _replay_mutants() -> list[Mutant]:
    import torch

    from rlcourse.replay import Batch, ReplayBuffer

    class NoOverwrite(ReplayBuffer):
        def add(self, obs, action, reward, next_obs, terminated, truncated):
            if self.size < self.capacity:
                super().add(obs, action, reward, next_obs, terminated, truncated)

    class PositionStuck(ReplayBuffer):
        def add(self, obs, action, reward, next_obs, terminated, truncated):
            super().add(obs, action, reward, next_obs, terminated, truncated)
            self.position = 0

    class SizeUncapped(ReplayBuffer):
        def add(self, obs, action, reward, next_obs, terminated, truncated):
            size = self.size
            super().add(obs, action, reward, next_obs, terminated, truncated)
            self.size = size + 1

    class MergedDone(ReplayBuffer):
        def add(self, obs, action, reward, next_obs, terminated, truncated):
            super().add(obs, action, reward, next_obs, terminated or truncated, truncated)

    class SwappedFlags(ReplayBuffer):
        def add(self, obs, action, reward, next_obs, terminated, truncated):
            super().add(obs, action, reward, next_obs, truncated, terminated)

    class EmptySlots(ReplayBuffer):
        def sample_indices(self, batch_size):
            return self.rng.integers(0, self.capacity, size=batch_size)

    class NumpyBatch(ReplayBuffer):
        def sample(self, batch_size):
            idx = self.sample_indices(batch_size)
            return Batch(*(array[idx] for array in (self.obs, self.action, self.reward, self.next_obs,
                                                     self.terminated, self.truncated)))

    class Misaligned(ReplayBuffer):
        def sample(self, batch_size):
            batch = super().sample(batch_size)
            return batch._replace(reward=torch.from_numpy(self.reward[self.sample_indices(batch_size)]))

    class RewardColumn(ReplayBuffer):
        def sample(self, batch_size):
            batch = super().sample(batch_size)
            return batch._replace(reward=batch.reward.unsqueeze(1))

    class SampleSwapsFlags(ReplayBuffer):
        def sample(self, batch_size):
            batch = super().sample(batch_size)
            return batch._replace(terminated=batch.truncated, truncated=batch.terminated)

    class SampleMergesFlags(ReplayBuffer):
        def sample(self, batch_size):
            batch = super().sample(batch_size)
            return batch._replace(terminated=torch.maximum(batch.terminated, batch.truncated))

    class SizeOneShort(ReplayBuffer):
        def add(self, obs, action, reward, next_obs, terminated, truncated):
            super().add(obs, action, reward, next_obs, terminated, truncated)
            self.size = min(self.size, self.capacity - 1)

    class WritesOneAhead(ReplayBuffer):
        def add(self, obs, action, reward, next_obs, terminated, truncated):
            self.position = (self.position + 1) % self.capacity
            super().add(obs, action, reward, next_obs, terminated, truncated)
            self.position = (self.position - 1) % self.capacity

    class StoresNextObsAsObs(ReplayBuffer):
        def add(self, obs, action, reward, next_obs, terminated, truncated):
            super().add(next_obs, action, reward, next_obs, terminated, truncated)

    class StoresNotTerminated(ReplayBuffer):
        def add(self, obs, action, reward, next_obs, terminated, truncated):
            super().add(obs, action, reward, next_obs, not terminated, truncated)

    class SampleDropsFlags(ReplayBuffer):
        def sample(self, batch_size):
            batch = super().sample(batch_size)
            return batch._replace(terminated=torch.zeros_like(batch.terminated))

    class Float64Reward(ReplayBuffer):
        def sample(self, batch_size):
            batch = super().sample(batch_size)
            return batch._replace(reward=batch.reward.double())

    class NewestFirst(ReplayBuffer):
        def sample_indices(self, batch_size):
            return (self.position - 1 - np.arange(batch_size)) % self.size

    class ActionAsFloat(ReplayBuffer):
        def sample(self, batch_size):
            batch = super().sample(batch_size)
            return batch._replace(action=batch.action.float())

    class GlobalRandom(ReplayBuffer):
        def sample_indices(self, batch_size):
            return np.random.randint(0, self.size, size=batch_size)

    class LastSlotNeverSampled(ReplayBuffer):
        def sample_indices(self, batch_size):
            return self.rng.integers(0, self.size - 1, size=batch_size)

    return [
        Mutant("size_uncapped", _("len(buffer) keeps growing past capacity: size = min(size + 1, capacity)"),
               SizeUncapped, holds=lambda have, want, cases: any(
                   h["len(buffer)"] > c["capacity"] for h, c in zip(have, cases))),
        Mutant("len_wrong", _("len(buffer) is not the number of transitions stored: size grows by one per add, "
               "up to capacity"), SizeOneShort, holds=lambda have, want, cases: any(
                   h["len(buffer)"] != w["len(buffer)"] for h, w in zip(have, want))),
        Mutant("no_overwrite", _("once the buffer is full your add() drops new transitions; it must overwrite "
               "the oldest one: position = (position + 1) % capacity"), NoOverwrite,
               holds=lambda have, want, cases: any(
                   c["n_added"] > c["capacity"] and list(h["transitions stored (by number)"]) == list(range(c["capacity"]))
                   for h, c in zip(have, cases))),
        Mutant("position_stuck", _("your add() writes every transition into the same slot: move position on by "
               "one after each add, wrapping around at capacity"), PositionStuck,
               holds=lambda have, want, cases: any(
                   len(set(h["transitions stored (by number)"]) - {-1.0}) == 1 < c["n_added"]
                   for h, c in zip(have, cases))),
        Mutant("wrong_slots", _("add() does not write each transition into its own slot in order: write at row "
               "self.position, then position = (position + 1) % capacity; once full, the buffer holds the "
               "last `capacity` transitions"), WritesOneAhead, holds=_stored_ids_wrong(lambda c: True)),
        Mutant("rows_mixed_in_add", _("add() stores the fields of one transition in different rows (or a field in "
               "the wrong array): write every field at the same row self.position"), StoresNextObsAsObs,
               holds=_in_any("stored rows are whole transitions", lambda whole: not whole)),
        Mutant("merged_done", _("you stored `terminated or truncated` as terminated: a time limit is not a "
               "terminal state, so keep the two flags apart"), MergedDone,
               holds=_flags("_stored", "terminated", lambda r: np.maximum(r["true_terminated"], r["true_truncated"]))),
        Mutant("flags_swapped", _("your add() stores terminated in the truncated array and truncated in the "
               "terminated one: keep each flag in its own array"), SwappedFlags,
               holds=_flags("_stored", "terminated", lambda r: r["true_truncated"])),
        Mutant("stored_flags_wrong", _("the stored terminated or truncated flags are not the ones given to add(): "
               "store each flag as it is, in its own array"), StoresNotTerminated,
               holds=lambda have, want, cases: any(not (h["stored terminated flags are right"]
                                                        and h["stored truncated flags are right"]) for h in have)),
        Mutant("numpy_batch", _("sample() must return torch tensors (torch.from_numpy(array[idx])), not numpy "
               "arrays"), NumpyBatch, holds=_batch_kind(lambda v: isinstance(v, np.ndarray))),
        Mutant("reward_column", _("a sampled field has shape (batch_size, 1); reward, terminated and truncated "
               "must be (batch_size,), or the TD target broadcasts to (batch_size, batch_size)"), RewardColumn,
               holds=lambda have, want, cases: any(
                   is_tensor(h[f"batch.{name}"].value) and tuple(h[f"batch.{name}"].value.shape) == (c["batch_size"], 1)
                   for h, c in zip(have, cases) for name in ("reward", "terminated", "truncated"))),
        Mutant("samples_empty_slots", _("you sample from the whole array, empty slots included: draw indices "
               "below len(buffer) only"), EmptySlots,
               holds=_in_any("share of samples from filled slots", lambda share: share < 0.99)),
        Mutant("misaligned_rows", _("the fields of a sampled row come from different transitions: index every "
               "array with the same indices"), Misaligned,
               holds=_in_any("each sampled row is one transition", lambda whole: not whole)),
        Mutant("sample_swaps_flags", _("sample() returns truncated as terminated and terminated as truncated: "
               "build the Batch in its field order, (obs, action, reward, next_obs, terminated, truncated)"),
               SampleSwapsFlags, holds=_flags("_sampled", "terminated", lambda r: r["true_truncated"])),
        Mutant("sample_merges_flags", _("sample() returns `terminated or truncated` as terminated: a time limit "
               "is not a terminal state, so return each flag as stored"), SampleMergesFlags,
               holds=_flags("_sampled", "terminated", lambda r: np.maximum(r["true_terminated"], r["true_truncated"]))),
        Mutant("sampled_flags_wrong", _("the sampled terminated or truncated flags are not the stored ones: index "
               "each flag array with the same indices and keep them apart"), SampleDropsFlags,
               holds=lambda have, want, cases: any(not (h["sampled terminated flags are the stored ones"]
                                                        and h["sampled truncated flags are the stored ones"]) for h in have)),
        Mutant("global_random", _("the same seed does not give the same batch: draw the indices with the buffer's "
               "own generator, self.rng.integers(0, len(self), size=batch_size)"), GlobalRandom,
               holds=_in_any("same seed, same batch", lambda same_batch: not same_batch)),
        Mutant("not_uniform", _("some stored transitions are sampled more often than others (or never): draw "
               "indices uniformly from 0 to len(buffer) − 1, e.g. self.rng.integers(0, self.size, size=batch_size)"),
               LastSlotNeverSampled,
               holds=_in_any("every stored transition is sampled equally often", lambda uniform: not uniform)),
        Mutant("not_random", _("sample() does not draw at random: small batches always hold the same (e.g. the "
               "newest) transitions; draw the indices with self.rng, uniformly over all stored transitions"),
               NewestFirst, holds=_in_any("batches of one are drawn at random", lambda uniform: not uniform)),
        Mutant("action_not_int", _("the sampled actions are not int64: they index the Q-values (gather), so keep "
               "the stored action array's dtype, torch.from_numpy(self.action[idx])"), ActionAsFloat,
               holds=lambda have, want, cases: any(
                   is_tensor(h["batch.action"].value) and h["batch.action"].value.dtype.is_floating_point
                   for h in have if "batch.action" in h)),
        Mutant("batch_kind", _("a field of the sampled Batch has the wrong shape or dtype: index each stored array "
               "with the same indices and turn it into a tensor as it is (torch.from_numpy(array[idx]))"), Float64Reward,
               holds=lambda have, want, cases: any(h[name].text != w[name].text for h, w in zip(have, want)
                                                   for name in w if name.startswith("batch."))),
    ]


REPLAY_BUFFER = Exercise(
    name="ReplayBuffer", reference="rlcourse.replay:ReplayBuffer",
    cases=_replay_cases, observe=_observe_replay, mutants=_replay_mutants, tolerance=0.05,
    exception_hints=((("could not broadcast", "setting an array element"),
                      N_("a value does not fit the row it is written to: write one transition into one row, "
                         "self.obs[self.position] = obs")),
                     (("larger sample than population",), N_("sample with replacement (a batch may hold a "
                                                             "transition twice): self.rng.integers(0, len(self), size=batch_size)")),
                     (("index", "out of bounds"), N_("an index is out of range: rows run from 0 to capacity − 1, so "
                                                     "wrap position around with % capacity, and sample below len(self)"))))


# --- the TD target ------------------------------------------------------------------------------

def _dqn_td_target_cases() -> list[dict]:
    import torch

    generator = torch.Generator().manual_seed(4)
    small = dict(reward=torch.tensor([1.0, 0.0, -1.0]),
                 next_q_values=torch.tensor([[0.5, 2.0], [3.0, -1.0], [-2.0, -0.5]]),
                 terminated=torch.tensor([0.0, 1.0, 0.0]), gamma=0.9)
    large = dict(reward=torch.randn(32, generator=generator),
                 next_q_values=torch.randn(32, 3, generator=generator),
                 terminated=(torch.rand(32, generator=generator) < 0.3).float(), gamma=0.99)
    one = dict(reward=torch.tensor([0.5]), next_q_values=torch.tensor([[1.0, -1.0]]), terminated=torch.tensor([0.0]),
               gamma=0.9)  # a batch of one transition: a squeeze() too many shows here
    return [small, large, one]


def _observe_target(fn: Callable, case: dict) -> dict:
    output, _inputs = call(fn, case)
    return {N_("output"): output, N_("the target can be the label of a loss"): usable_as_label(output)}


def _batch_size(case: dict) -> int:
    return len(case["reward"])


def _not_a_label(have, want, cases) -> bool:
    return any(h["the target can be the label of a loss"] is False for h in have)


def _dqn_td_target_mutants() -> list[Mutant]:
    import torch

    def mutant(next_value, mask=lambda terminated: 1.0 - terminated, discount=True, cast=None):
        def td_target(reward, next_q_values, terminated, gamma):
            target = reward + (gamma if discount else 1.0) * mask(terminated) * next_value(next_q_values)
            return target if cast is None else target.to(cast)
        return td_target

    def in_inference_mode(reward, next_q_values, terminated, gamma):
        with torch.inference_mode():
            return reward + gamma * (1.0 - terminated) * next_q_values.max(dim=1).values

    best = lambda q: q.max(dim=1).values  # noqa: E731 - one-line parts of the mutants
    return [
        Mutant("inference_mode", _("your target was made under torch.inference_mode(), so it cannot be the label "
               "of a loss (backward() fails on it); use torch.no_grad(), or nothing: the inputs need no gradient"),
               in_inference_mode, holds=_not_a_label),
        Mutant("bootstraps_terminal", _("your target bootstraps through a terminated transition: multiply "
               "the next state's value by (1 − terminated)"), mutant(best, mask=lambda t: 1.0)),
        Mutant("mask_inverted", _("you multiplied by terminated instead of (1 − terminated): only "
               "terminated transitions bootstrap now"), mutant(best, mask=lambda t: t)),
        Mutant("terminal_rows_wrong", _("only the rows of terminated transitions are wrong: where terminated is 1 "
               "the target is just the reward, r + γ · (1 − terminated) · max Q(s′, ·)"),
               mutant(best, mask=lambda t: 1.0 - 0.5 * t), holds=only_terminated_rows_wrong),
        Mutant("broadcast_batch_batch", _("your shapes broadcast to (batch, batch): a (batch, 1) tensor "
               "(max with keepdim=True) met a (batch,) one; use next_q_values.max(dim=1).values, shape "
               "(batch,)"), mutant(lambda q: q.max(dim=1, keepdim=True).values),
               holds=output_shape(lambda shape, c: shape == (_batch_size(c),) * 2 and _batch_size(c) > 1)),
        Mutant("broadcast_averaged", _("your target went through a (batch, batch) broadcast and was then averaged "
               "back to (batch,): each row now mixes every transition's next value; avoid the broadcast, "
               "next_q_values.max(dim=1).values has shape (batch,)"),
               lambda reward, next_q_values, terminated, gamma: (reward + gamma * (1.0 - terminated) * next_q_values.max(
                   dim=1, keepdim=True).values).mean(dim=1)),
        Mutant("flattened_broadcast", _("your target has batch · batch numbers: a (batch, 1) tensor met a (batch,) "
               "one and broadcast to (batch, batch) before it was flattened; keep every term (batch,)"),
               lambda reward, next_q_values, terminated, gamma: (reward + gamma * (1.0 - terminated) * next_q_values.max(
                   dim=1, keepdim=True).values).reshape(-1),
               holds=output_shape(lambda shape, c: shape == (_batch_size(c) ** 2,) != (_batch_size(c),))),
        Mutant("batch_dimension_lost", _("with a batch of one transition your target has shape (): a squeeze() "
               "removed the batch dimension too; keep the shape (batch,) whatever the batch size"),
               lambda reward, next_q_values, terminated, gamma: (reward + gamma * (1.0 - terminated) * next_q_values.max(
                   dim=1).values).squeeze(), holds=output_shape(lambda shape, c: shape == ())),
        Mutant("column_not_vector", _("your target has shape (batch, 1); it must be (batch,), one number per "
               "transition: do not keep the reduced dimension (no keepdim, no unsqueeze)"),
               lambda reward, next_q_values, terminated, gamma: (
                   reward + gamma * (1 - terminated) * next_q_values.max(dim=1).values).unsqueeze(1),
               holds=output_shape(lambda shape, c: shape == (_batch_size(c), 1))),
        Mutant("max_over_batch", _("you took the max over the batch (dim=0); take it over the actions, dim=1"),
               mutant(lambda q: q.max(dim=0).values)),
        Mutant("max_over_everything", _("you took one max over the whole tensor; each transition needs the max "
               "over its own row of actions: next_q_values.max(dim=1).values"), mutant(lambda q: q.max())),
        Mutant("argmax_not_max", _("you used argmax (the index of the best action) where the target needs max "
               "(its value)"), mutant(lambda q: q.argmax(dim=1))),
        Mutant("mean_not_max", _("you averaged the next Q-values; the target uses the best next action: "
               "max over dim 1"), mutant(lambda q: q.mean(dim=1))),
        Mutant("sum_not_max", _("you summed the next Q-values; the target uses the best next action: "
               "max over dim 1"), mutant(lambda q: q.sum(dim=1))),
        Mutant("min_not_max", _("you took the smallest next Q-value; the target uses the best one, "
               "next_q_values.max(dim=1).values (a sort is ascending: its last column is the max)"),
               mutant(lambda q: q.min(dim=1).values)),
        Mutant("no_gamma", _("your target does not discount: multiply the next state's value by γ"),
               mutant(best, discount=False)),
        Mutant("gamma_on_reward", _("you discounted the reward too: y = r + γ · (1 − terminated) · max Q(s′, ·), "
               "the reward itself is not multiplied by γ"),
               lambda reward, next_q_values, terminated, gamma: gamma * (reward + (1.0 - terminated) * best(next_q_values))),
        Mutant("gamma_ignored", _("your target ignores the gamma argument (a number of your own instead?): "
               "discount by the γ you are given"),
               lambda reward, next_q_values, terminated, gamma: reward + 0.99 * (1.0 - terminated) * best(next_q_values)),
        Mutant("not_a_tensor", _("return the target as a torch tensor (batch,), not a numpy array or a number: it "
               "is the label of a torch loss"), lambda reward, next_q_values, terminated, gamma: mutant(best)(
                   reward, next_q_values, terminated, gamma).numpy(),
               holds=lambda have, want, cases: any(not is_tensor(h["output"]) for h in have)),
        Mutant("float64", _("your target is float64; keep the dtype of reward (float32), e.g. by not "
               "building tensors from numpy float64 values"), mutant(best, cast=torch.float64),
               holds=lambda have, want, cases: any(is_tensor(h["output"]) and h["output"].dtype == torch.float64
                                                   for h in have)),
    ]


_TD_HINTS = ((("must match the size of tensor",),
              N_("two tensors of different lengths met: reward is (batch,), so the max must run over the "
                 "actions (dim=1) and leave one value per transition")),)

TD_TARGET = Exercise(
    name="td_target", reference="rlcourse.dqn:td_target",
    cases=_dqn_td_target_cases, observe=_observe_target, mutants=_dqn_td_target_mutants,
    exception_hints=_TD_HINTS)


# --- the DQN loss -------------------------------------------------------------------------------

def _dqn_loss_cases() -> list[dict]:
    import torch

    generator = torch.Generator().manual_seed(5)
    small = dict(q_values=torch.tensor([[1.0, 2.0], [0.5, -1.0], [3.0, 0.0]], requires_grad=True),
                 action=torch.tensor([1, 0, 0]), td_target=torch.tensor([1.5, 2.0, -1.0]))
    large = dict(q_values=torch.randn(32, 3, generator=generator).requires_grad_(),
                 action=torch.randint(0, 3, (32,), generator=generator),
                 td_target=torch.randn(32, generator=generator) * 2)
    return [small, large]


def observe_loss(fn: Callable, case: dict) -> dict:
    import warnings

    import torch

    inputs = copy.deepcopy(case)
    with warnings.catch_warnings():  # a (batch, 1) vs (batch,) loss warns; its value tells the story
        warnings.simplefilter("ignore", UserWarning)
        loss = fn(**inputs)
    check_unchanged(case, inputs)
    seen = {"loss": loss, "loss can train the network": bool(is_tensor(loss) and loss.requires_grad)}
    if seen["loss can train the network"] and loss.numel() == 1:
        (grad,) = torch.autograd.grad(loss.sum(), inputs["q_values"], allow_unused=True)
        taken = torch.zeros(case["q_values"].shape, dtype=torch.bool)
        taken[torch.arange(len(case["action"])), case["action"]] = True
        seen["_gradient only at the actions taken"] = grad is not None and not bool(grad[~taken].abs().sum() > 0)
    return seen


def _value_right_but_no_graph(have, want, cases) -> bool:
    return any(not h["loss can train the network"] for h in have) and all(
        as_array(h["loss"]).size == 1 and np.allclose(as_array(h["loss"]), as_array(w["loss"]), atol=1e-5)
        for h, w in zip(have, want))


def _loss_ratio(ratio: Callable[[dict], float]) -> Callable:
    return lambda have, want, cases: all(ratio_everywhere(h["loss"], w["loss"], ratio(c))
                                         for h, w, c in zip(have, want, cases))


def _dqn_loss_mutants() -> list[Mutant]:
    import torch.nn.functional as F

    def taken(q_values, action):
        return q_values.gather(1, action.unsqueeze(1)).squeeze(1)

    return [
        Mutant("item", _("you returned a Python number (.item()); return the loss tensor so you can call "
               ".backward() on it"), lambda q_values, action, td_target: F.smooth_l1_loss(
                   taken(q_values, action), td_target).item(),
               holds=lambda have, want, cases: any(not is_tensor(h["loss"]) for h in have)),
        Mutant("not_reduced", _("your loss is one number per transition; reduce it to a scalar with the mean"),
               lambda q_values, action, td_target: F.smooth_l1_loss(
                   taken(q_values, action), td_target, reduction="none"),
               holds=lambda have, want, cases: any(is_tensor(h["loss"]) and h["loss"].dim() > 0
                                                   and h["loss"].numel() > 1 for h in have)),
        Mutant("all_actions", _("your loss compares the Q-values of ALL actions with the target; only the "
               "action taken has a target: q_values.gather(1, action.unsqueeze(1)).squeeze(1)"),
               lambda q_values, action, td_target: F.smooth_l1_loss(
                   q_values, td_target.unsqueeze(1).expand_as(q_values))),
        Mutant("broadcast_batch_batch", _("your q_pred has shape (batch, 1) and broadcast against td_target "
               "(batch,) to (batch, batch): squeeze(1) after gather"),
               lambda q_values, action, td_target: F.smooth_l1_loss(
                   q_values.gather(1, action.unsqueeze(1)), td_target)),
        Mutant("index_batch_batch", _("q_values[:, action] picks every action of the batch for every row, a "
               "(batch, batch) table; pick one per row: q_values.gather(1, action.unsqueeze(1)).squeeze(1)"),
               lambda q_values, action, td_target: F.smooth_l1_loss(q_values[:, action], td_target)),
        Mutant("max_not_taken", _("you used max_a Q(s, a); the loss needs the Q-value of the action taken"),
               lambda q_values, action, td_target: F.smooth_l1_loss(q_values.max(dim=1).values, td_target)),
        Mutant("gather_dim0", _("you gathered along dim 0, which picks rows by action number; the actions are the "
               "columns: q_values.gather(1, action.unsqueeze(1)).squeeze(1)"),
               lambda q_values, action, td_target: F.smooth_l1_loss(
                   q_values.gather(0, action.unsqueeze(1)).squeeze(1), td_target)),
        Mutant("mse", _("you used the squared error; DQN here uses the Huber loss (F.smooth_l1_loss), which "
               "grows only linearly for large errors"),
               lambda q_values, action, td_target: F.mse_loss(taken(q_values, action), td_target)),
        Mutant("half_mse", _("you used half the squared error; DQN here uses the Huber loss (F.smooth_l1_loss), "
               "which is ½ x² only for |x| < 1 and linear beyond"),
               lambda q_values, action, td_target: 0.5 * F.mse_loss(taken(q_values, action), td_target)),
        Mutant("sum_not_mean", _("you summed over the batch; take the mean, so the step size does not depend "
               "on the batch size"), lambda q_values, action, td_target: F.smooth_l1_loss(
                   taken(q_values, action), td_target, reduction="sum"),
               holds=_loss_ratio(lambda c: len(c["action"]))),
        Mutant("wrong_sign", _("your loss has the wrong sign: minimising it would push Q(s, a) away from the "
               "target; Huber(q_pred − td_target) is never negative"),
               lambda q_values, action, td_target: -F.smooth_l1_loss(taken(q_values, action), td_target),
               holds=_loss_ratio(lambda c: -1.0)),
        Mutant("not_huber", _("your loss uses the Q-values of the actions taken, but it is not the Huber loss "
               "F.smooth_l1_loss (δ = 1): ½ x² where |x| < 1 and |x| − ½ beyond, averaged over the batch"),
               lambda q_values, action, td_target: F.l1_loss(taken(q_values, action), td_target),
               holds=lambda have, want, cases: all(h.get("_gradient only at the actions taken") for h in have)
               and not all(ratio_everywhere(h["loss"], w["loss"], len(c["action"])) for h, w, c in zip(have, want, cases))),
        Mutant("detached", _("your loss has the right value but is cut off from the network (a .detach(), "
               ".item(), numpy or torch.tensor(...) on the way): no gradient can reach the online network"),
               lambda q_values, action, td_target: F.smooth_l1_loss(taken(q_values.detach(), action), td_target),
               holds=_value_right_but_no_graph),
        Mutant("no_graph", _("your loss is cut off from the network: no gradient can reach the online network; "
               "compute it from q_values with torch operations only"),
               lambda q_values, action, td_target: F.smooth_l1_loss(q_values.detach().max(dim=1).values, td_target),
               holds=lambda have, want, cases: any(not h["loss can train the network"] for h in have)),
    ]


DQN_LOSS = Exercise(
    name="dqn_loss", reference="rlcourse.dqn:dqn_loss",
    cases=_dqn_loss_cases, observe=observe_loss, mutants=_dqn_loss_mutants,
    exception_hints=((("same number of dimensions", "index tensor must have"),
                      N_("gather needs an index with as many dimensions as q_values: "
                         "q_values.gather(1, action.unsqueeze(1)), shape (batch, 1), then .squeeze(1)")),
                     (("gather", "expected dtype int64", "index", "long"),
                      N_("actions used as indices must be int64: action.long()")),))


# --- target-network updates ---------------------------------------------------------------------

def _network_pair_cases(taus: tuple[float, ...] | None = None) -> list[dict]:
    import torch

    from rlcourse.networks import mlp

    cases = []
    for seed, tau in zip((6, 7, 8), taus or (None, None)):
        torch.manual_seed(seed)
        target, online = mlp(3, 2, hidden=(4,)), mlp(3, 2, hidden=(4,))
        case = dict(target=target, online=online)
        if tau is not None:
            case["tau"] = tau
        cases.append(case)
    return cases


def _observe_target_update(fn: Callable, case: dict) -> dict:
    import torch

    output, inputs = call(fn, case, mutable=("target", "online"))
    target, online = inputs["target"], inputs["online"]
    seen = {N_("target parameters after"): flat(target), N_("online parameters after"): flat(online)}
    before = flat(target)
    with torch.no_grad():
        for param in online.parameters():
            param.add_(1.0)  # a later training step of the online network ...
    seen[N_("target stays put when the online network trains")] = bool(torch.equal(flat(target), before))
    return seen


def _changed(name: str, module: str) -> Callable[[dict, dict], np.ndarray]:
    return lambda h, c: ~np.isclose(as_array(h[name]), as_array(flat(c[module])))


def _online_changed(have, want, cases) -> bool:
    return any(_changed("online parameters after", "online")(h, c).any() for h, c in zip(have, cases))


def _target_unchanged(have, want, cases) -> bool:
    return all(not _changed("target parameters after", "target")(h, c).any() for h, c in zip(have, cases))


def _partly_updated(have, want, cases) -> bool:
    """Some target parameters are right and others still hold their old values."""
    for h, w, c in zip(have, want, cases):
        right = np.isclose(as_array(h["target parameters after"]), as_array(w["target parameters after"]))
        unchanged = ~_changed("target parameters after", "target")(h, c)
        if right.any() and not right.all() and (right | unchanged).all():
            return True
    return False


def _shares(have, want, cases) -> bool:
    return any(not h["target stays put when the online network trains"] for h in have)


def _hard_update_mutants() -> list[Mutant]:
    import torch

    def rebinds(target, online):
        target = online  # noqa: F841 - the mistake: a local name, nothing copied

    def reversed_direction(target, online):
        online.load_state_dict(target.state_dict())

    def shares(target, online):
        for target_module, online_module in zip(target.modules(), online.modules()):
            for name in list(target_module._parameters):
                target_module._parameters[name] = online_module._parameters[name]

    @torch.no_grad()
    def first_only(target, online):
        next(target.parameters()).copy_(next(online.parameters()))

    @torch.no_grad()
    def adds(target, online):
        for target_param, param in zip(target.parameters(), online.parameters()):
            target_param.add_(param)

    return [
        Mutant("reversed", _("you copied the target into the online network; the direction is target ← online"),
               reversed_direction, holds=_online_changed),
        Mutant("rebinds_name", _("the target network did not change: `target = online` (or a new copy given a "
               "local name) only renames a local variable; copy the parameters into it: "
               "target.load_state_dict(online.state_dict())"), rebinds, holds=_target_unchanged),
        Mutant("shares_parameters", _("your target shares the online network's parameter tensors, so it moves "
               "with every training step; copy the values instead (load_state_dict)"), shares, holds=_shares),
        Mutant("first_parameter_only", _("you copied only some of the parameters: copy all of them, weights and "
               "biases of every layer"), first_only, holds=_partly_updated),
        Mutant("added_not_copied", _("you added the online parameters to the target's (θ⁻ + θ) instead of "
               "replacing them: copy them, target.load_state_dict(online.state_dict()) or target_param.copy_(param)"),
               adds),
    ]


HARD_UPDATE = Exercise(
    name="hard_update", reference="rlcourse.networks:hard_update",
    cases=_network_pair_cases, observe=_observe_target_update, mutants=_hard_update_mutants,
    mutable=("target", "online"),
    exception_hints=((("leaf variable", "requires grad"),
                      N_("a parameter needs gradients, so it can only be changed in place under torch.no_grad() "
                         "(load_state_dict does that for you)")),))


def _target_is(weight_of_online: Callable[[dict], float]) -> Callable:
    """A property: the new target is w θ + (1 − w) θ⁻ for this w, in every case."""
    def holds(have, want, cases):
        for h, c in zip(have, cases):
            w = weight_of_online(c)
            expected = w * as_array(flat(c["online"])) + (1 - w) * as_array(flat(c["target"]))
            if not np.allclose(as_array(h["target parameters after"]), expected, atol=1e-6):
                return False
        return True
    return holds


def _soft_update_mutants() -> list[Mutant]:
    import torch

    def mutant(step):
        @torch.no_grad()
        def soft_update(target, online, tau):
            for target_param, param in list(zip(target.parameters(), online.parameters())):
                step(target_param, param, tau)
        return soft_update

    def local_only(target, online, tau):
        for target_param, param in zip(target.parameters(), online.parameters()):
            target_param = tau * param + (1 - tau) * target_param  # noqa: F841 - the mistake

    @torch.no_grad()
    def first_only(target, online, tau):
        next(target.parameters()).lerp_(next(online.parameters()), tau)

    return [
        Mutant("online_moved", _("you moved the online network towards the target; it is the target that "
               "follows: θ⁻ ← τ θ + (1 − τ) θ⁻"), mutant(lambda t, o, tau: o.copy_(tau * t + (1 - tau) * o)),
               holds=_online_changed),
        Mutant("shares_parameters", _("your target now shares the online network's parameter tensors, so it "
               "moves with every training step; change the target's own tensors in place (copy_)"),
               lambda target, online, tau: _share(target, online), holds=_shares),
        Mutant("hard_copy", _("you copied the online network outright; a soft update moves the target only a "
               "fraction τ of the way"), mutant(lambda t, o, tau: t.copy_(o)), holds=_target_is(lambda c: 1.0)),
        Mutant("tau_swapped", _("you gave τ to the target network; τ weighs the ONLINE network: "
               "θ⁻ ← τ θ + (1 − τ) θ⁻"), mutant(lambda t, o, tau: t.copy_((1 - tau) * o + tau * t)),
               holds=_target_is(lambda c: 1 - c["tau"])),
        Mutant("no_shrink", _("you added τ θ without shrinking θ⁻ by (1 − τ): θ⁻ ← τ θ + (1 − τ) θ⁻"),
               mutant(lambda t, o, tau: t.add_(tau * o))),
        Mutant("moves_away", _("your target moves away from the online network: θ⁻ + τ (θ⁻ − θ) has the difference "
               "the wrong way round; θ⁻ ← θ⁻ + τ (θ − θ⁻) = τ θ + (1 − τ) θ⁻"),
               mutant(lambda t, o, tau: t.add_(tau * (t - o))), holds=_target_is(lambda c: -c["tau"])),
        Mutant("local_only", _("the target network did not change: you computed the new values but gave them "
               "to a local name; write them into the target's tensors in place, e.g. target_param.copy_(...) "
               "under torch.no_grad()"), local_only, holds=_target_unchanged),
        Mutant("first_parameter_only", _("you updated only some of the parameters: update all of them, weights "
               "and biases of every layer"), first_only, holds=_partly_updated),
    ]


def _share(target, online) -> None:
    for target_module, online_module in zip(target.modules(), online.modules()):
        for name in list(target_module._parameters):
            target_module._parameters[name] = online_module._parameters[name]


SOFT_UPDATE = Exercise(
    name="soft_update", reference="rlcourse.networks:soft_update",
    cases=lambda: _network_pair_cases(taus=(0.1, 0.3, 1.0)), observe=_observe_target_update,
    mutants=_soft_update_mutants, mutable=("target", "online"), exception_hints=HARD_UPDATE.exception_hints)

check_replay_buffer = checker(REPLAY_BUFFER, "a ReplayBuffer subclass with add(...) and sample(batch_size)")
check_td_target = checker(TD_TARGET, "td_target(reward (B,), next_q_values (B, n_actions), terminated (B,), gamma) -> (B,)")
check_dqn_loss = checker(DQN_LOSS, "dqn_loss(q_values (B, n_actions), action (B,), td_target (B,)) -> scalar (Huber)")
check_hard_update = checker(HARD_UPDATE, "hard_update(target, online): θ⁻ ← θ, as an independent copy")
check_soft_update = checker(SOFT_UPDATE, "soft_update(target, online, tau): θ⁻ ← τ θ + (1 − τ) θ⁻")
