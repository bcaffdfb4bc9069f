"""What every training loop shares, kept below the algorithms (chapters 02, 04 and 06).

An algorithm module (:mod:`rlcourse.dqn`, :mod:`rlcourse.ddpg`, :mod:`rlcourse.tabular`) writes
what happens in one env step: act, step, store, update. The bookkeeping around that lives here,
once:

* :class:`TrainingLoop` counts steps and episodes, draws the progress bar, turns Ctrl-C into
  ``run.interrupted``, keeps the training clock apart from the evaluation clock, evaluates the
  greedy policy every ``eval_every`` steps on validation seeds (and ends the run when the stop rule
  calls it solved), keeps the last good weights for a loss that turns non-finite, and saves
  checkpoints;
* :class:`Run` is the record a training function returns;
* :func:`resume_from_checkpoint` loads the weights, step and episode a checkpoint holds;
* :func:`write_run` writes the run directory of ``rlcourse train`` (see :mod:`rlcourse.runs`);
* :func:`linear_schedule` moves ε, α or a learning rate linearly over training.

Nothing here imports torch: the tabular chapter uses this module without it.
"""

from __future__ import annotations

import copy
import dataclasses
import time
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterator, TypeVar

from rlcourse.envs import (HELDOUT_SEED, SOLVED_THRESHOLDS, VALIDATION_SEED, Policy, evaluate,
                           extend_evaluation, make_env)
from rlcourse.i18n import _
from rlcourse.progress import progress_bar, show_eval
from rlcourse.runs import (Metrics, NonFiniteLossError, config_record, eval_record, interruptible,
                           write_json)


def linear_schedule(start: float, end: float, duration: int, t: int) -> float:
    """``start`` moving linearly to ``end`` over ``duration`` steps, then ``end`` for ever.

        value(t) = start + (end − start) · min(t / duration, 1)

    Used for ε (explore a lot first, then mostly exploit) and for α (big steps while the table
    is wrong, small steps to average out the noise of a slippery env). ``duration = 0`` gives
    ``end`` at once.
    """
    if duration <= 0:
        return end
    return start + (end - start) * min(t / duration, 1.0)


# --- the run record --------------------------------------------------------------------------------


@dataclass
class Run:
    """What a training function returns: the agent, its metrics, and how the run went."""

    #: the trained agent; ``agent.act`` is its greedy policy
    agent: Any
    metrics: Metrics
    #: the hyperparameters it trained with (a config dataclass)
    config: Any
    #: True when Ctrl-C (or the notebook's stop button) ended training early
    interrupted: bool = False
    #: env steps and episodes so far (a resumed run counts on from its checkpoint's)
    steps: int = 0
    episodes: int = 0
    #: wall seconds spent training, periodic evaluations excluded
    train_seconds: float = 0.0
    #: wall seconds spent in periodic evaluations
    eval_seconds: float = 0.0
    #: ``step -> train_seconds`` at each periodic evaluation (kept out of ``metrics.csv``, whose
    #: bytes must not depend on the machine's speed)
    eval_clock: dict[int, float] = field(default_factory=dict)
    #: mean return over the validation episodes that ended the run early (the stop rule,
    #: ``stop_at_return``); None when the run went on to its budget
    solved_return: float | None = None

    @property
    def policy(self) -> Policy:
        """The greedy policy, ``obs -> action`` (no exploration)."""
        return self.agent.act


# --- the bookkeeping around a loop over env steps --------------------------------------------------


class TrainingLoop:
    """The bookkeeping around an algorithm's loop over env steps (DQN, DDPG)::

        with TrainingLoop(run, ...) as loop:
            for step in loop.steps():           # 1, 2, ... (after a resume: from its step on)
                ...                             # act, step the env, store, update
                if not math.isfinite(loss):
                    raise loop.diverged("the loss became nan", advice="try a smaller lr")
                if terminated or truncated:
                    loop.end_episode(episode_return, loss=loss)
                loop.end_step()                 # periodic evaluation, checkpoint, progress

    ``steps()`` stops at the budget, at the episode limit, or when a periodic evaluation solved
    the env (the stop rule: its ``eval_episodes`` average at least ``stop_at_return``, and still
    do when extended to ``stop_eval_episodes``; the agent returned is the one validated). Every
    periodic evaluation also keeps a copy of ``networks``' weights (the last good ones) and saves
    a checkpoint into ``checkpoint_dir``; the end of the block saves one more. A Ctrl-C ends the
    block normally, with ``run.interrupted`` set.

    Args:
        run: the record to fill in; ``run.steps`` and ``run.episodes`` are where counting starts.
        algo: the algorithm's name, for the bar and the messages ("DQN").
        env_id: the env, for the bar and for making the evaluation env.
        seed: recorded in every checkpoint.
        steps: the budget in env steps.
        episodes: if given, also stop after this many episodes.
        networks: name -> module whose weights are the agent's (reset to the last good ones by
            :meth:`diverged`).
        eval_every: greedy evaluation every this many env steps (0: never).
        eval_episodes: validation episodes per evaluation.
        stop_at_return: the stop rule's threshold (None: train the whole budget).
        stop_eval_episodes: validation episodes the stop rule must average ``stop_at_return`` over.
        checkpoint_dir: where checkpoints go (None: nowhere).
        progress: draw a progress bar over env steps.
        env_kwargs: passed to ``gymnasium.make`` for the evaluation env.
    """

    def __init__(self, run: Run, *, algo: str, env_id: str, seed: int, steps: int,
                 episodes: int | None, networks: dict[str, Any], eval_every: int,
                 eval_episodes: int, stop_at_return: float | None = None,
                 stop_eval_episodes: int = 0, checkpoint_dir: str | Path | None = None,
                 progress: bool = False, env_kwargs: dict[str, Any] | None = None) -> None:
        self.run, self.algo, self.env_id, self.seed = run, algo, env_id, seed
        self.budget, self.max_episodes = steps, episodes
        self.step, self.episode = run.steps, run.episodes
        self.networks = networks
        self.eval_every, self.eval_episodes = eval_every, eval_episodes
        self.stop_at_return, self.stop_eval_episodes = stop_at_return, stop_eval_episodes
        self.checkpoint_dir = checkpoint_dir
        self._progress, self._env_kwargs = progress, env_kwargs or {}
        self._last_good = self._snapshot()
        self._last_good_step = self.step

    def __enter__(self) -> "TrainingLoop":
        self._exits = ExitStack()
        self.bar = self._exits.enter_context(
            progress_bar(self.budget, desc=f"{self.algo} {self.env_id}", enabled=self._progress))
        self._interrupt = self._exits.enter_context(interruptible())
        self.eval_env = make_env(self.env_id, **self._env_kwargs) if self.eval_every else None
        if self.eval_env is not None:
            self._exits.callback(self.eval_env.close)
        self.bar.update(self.step)
        self._clock = time.perf_counter()  # the training clock; evaluations are timed apart
        return self

    def __exit__(self, *exc_info: Any) -> bool:
        interrupted = self._exits.__exit__(*exc_info)  # True: a Ctrl-C, swallowed
        if exc_info[0] is not None and not interrupted:
            return False  # a failure: the checkpoint on disk stays the last good one
        self.run.train_seconds += time.perf_counter() - self._clock
        self.run.interrupted = self._interrupt.interrupted
        # a Ctrl-C can land after the step's rows were logged but before end_step counted it: the
        # record then still says the step before, while metrics (and the checkpoint) have this one
        self.run.steps, self.run.episodes = self.step, self.episode
        if self.checkpoint_dir is not None:
            self.save(self.checkpoint_dir)
        return interrupted

    def steps(self) -> Iterator[int]:
        """The env step numbers to train, from ``run.steps + 1``, until one of the stops."""
        while (self.step < self.budget and self.run.solved_return is None
               and (self.max_episodes is None or self.episode < self.max_episodes)):
            self.step += 1
            yield self.step

    def end_episode(self, episode_return: float, **extra: Any) -> None:
        """Count the episode that just ended and log its row of ``metrics`` (plus ``extra``)."""
        self.episode += 1
        self.run.metrics.log_episode(self.step, self.episode, episode_return, **extra)

    def end_step(self) -> None:
        """After every env step: the periodic evaluation when one is due, then the progress bar."""
        if self.eval_env is not None and self.step % self.eval_every == 0:
            self._evaluate()
        self.bar.update()
        self.run.steps, self.run.episodes = self.step, self.episode

    def diverged(self, what: str, *, advice: str) -> NonFiniteLossError:
        """Reset the networks to the last good weights; returns the error to raise, saying
        ``what`` happened and what to try (``advice``)."""
        for name, network in self.networks.items():
            network.load_state_dict(self._last_good[name])
        self.run.steps, self.run.episodes = self.step, self.episode
        self.run.train_seconds += time.perf_counter() - self._clock
        if self.checkpoint_dir is not None:
            message = _("{algo} stopped at step {step}: {what} ({advice}). The agent was reset to its "
                        "weights at step {good_step}; the last good checkpoint (step {good_step}) is in "
                        "{folder}.")
        else:
            message = _("{algo} stopped at step {step}: {what} ({advice}). The agent was reset to its "
                        "weights at step {good_step}.")
        return NonFiniteLossError(message.format(algo=self.algo, step=self.step, what=what, advice=advice,
                                                 good_step=self._last_good_step, folder=self.checkpoint_dir),
                                  self.run)

    def save(self, path: str | Path) -> None:
        """Save the agent as a checkpoint, with what a resume needs (step, episode, config)."""
        self.run.agent.save(path, {"env_id": self.env_id, "seed": self.seed, "step": self.step,
                                   "episode": self.episode,
                                   "config": dataclasses.asdict(self.run.config)})

    def _evaluate(self) -> None:
        run = self.run
        run.train_seconds += time.perf_counter() - self._clock
        run.eval_clock[self.step] = run.train_seconds
        eval_start = time.perf_counter()
        result = evaluate(self.eval_env, run.policy, episodes=self.eval_episodes,
                          seed=VALIDATION_SEED)
        run.metrics.log_eval(self.step, self.episode, result.mean_return)
        show_eval(self.bar, result.mean_return)
        if self.stop_at_return is not None and result.mean_return >= self.stop_at_return:
            validated = extend_evaluation(self.eval_env, run.policy, result,
                                          episodes=self.stop_eval_episodes).mean_return
            if validated >= self.stop_at_return:
                run.solved_return = validated
                self.bar.set_description(_("{algo} {env_id}: solved at step {step}, stopped").format(
                    algo=self.algo, env_id=self.env_id, step=self.step))
        self._last_good, self._last_good_step = self._snapshot(), self.step
        if self.checkpoint_dir is not None:
            self.save(self.checkpoint_dir)
        self._clock = time.perf_counter()
        run.eval_seconds += self._clock - eval_start

    def _snapshot(self) -> dict[str, Any]:
        return {name: copy.deepcopy(network.state_dict()) for name, network in self.networks.items()}


def resume_from_checkpoint(path: str | Path | None, networks: dict[str, Any],
                           device: Any = "cpu") -> tuple[int, int]:
    """Load ``networks`` from the checkpoint at ``path`` (a run directory or its ``model/``)
    and return the ``(step, episode)`` it was saved at; ``(0, 0)`` and nothing loaded for None."""
    if path is None:
        return 0, 0
    from rlcourse.checkpoints import load_checkpoint, model_dir  # torch: only when resuming

    meta = load_checkpoint(model_dir(path), networks, device)
    return int(meta.get("step", 0)), int(meta.get("episode", 0))


# --- the run directory of `rlcourse train` ----------------------------------------------------------

R = TypeVar("R")


def write_run(out: str | Path, *, algo: str, env_id: str, seed: int, config: Any,
              budget: dict[str, Any], train: Callable[[Path], R],
              extra: Callable[[R], dict[str, Any]] | None = None) -> dict[str, Any]:
    """Train and write the run directory ``out``; returns the ``eval.json`` record.

    Writes ``config.json`` first (so a run that fails still says what it tried), then calls
    ``train(out / "model")``, which trains and saves the model there, and writes ``metrics.csv``
    and ``eval.json``: the greedy policy (``run.policy``) on ``config.final_eval_episodes``
    held-out episodes, the first periodic evaluation that reached the env's solved threshold, and
    ``run.train_seconds``, plus whatever ``extra(run)`` adds.

    Args:
        budget: the budget as asked for (``steps``, ``episodes``), recorded in ``config.json``.
    """
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    write_json(out / "config.json", config_record(algo=algo, env_id=env_id, seed=seed,
                                                  config=config, **budget))
    run = train(out / "model")
    run.metrics.to_csv(out / "metrics.csv")
    result = evaluate(env_id, run.policy, episodes=config.final_eval_episodes, seed=HELDOUT_SEED)
    threshold = SOLVED_THRESHOLDS.get(env_id)
    record = eval_record(env_id=env_id, algo=algo, seed=seed, result=result,
                         first_solved_step=None if threshold is None
                         else run.metrics.first_solved_step(threshold),
                         train_seconds=run.train_seconds)
    record.update(extra(run) if extra is not None else {})
    write_json(out / "eval.json", record)
    return record
