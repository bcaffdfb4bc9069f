"""rlcourse.training: the bookkeeping around the algorithms' loops (most of it is exercised through
dqn.train and ddpg.train in their own tests; what only a hand-driven loop can reach is here)."""

from rlcourse.runs import Metrics
from rlcourse.training import Run, TrainingLoop


def _loop(run: Run, steps: int = 10) -> TrainingLoop:
    return TrainingLoop(run, algo="test", env_id="CartPole-v1", seed=0, steps=steps, episodes=None,
                        networks={}, eval_every=0, eval_episodes=0)


def test_a_ctrl_c_after_a_step_was_logged_leaves_the_record_at_that_step():
    # Ctrl-C can land between an episode's row (or an evaluation's) and the end of its step: the
    # record must still count that step, or its metrics hold a row past run.steps
    run = Run(agent=None, metrics=Metrics(), config=None)
    with _loop(run) as loop:
        for step in loop.steps():
            if step == 3:
                loop.end_episode(1.0)
                raise KeyboardInterrupt
            loop.end_step()
    assert run.interrupted
    assert run.metrics.rows[-1]["step"] == run.steps == 3 and run.episodes == 1


def test_the_loop_counts_steps_and_episodes_to_its_budget():
    run = Run(agent=None, metrics=Metrics(), config=None)
    with _loop(run, steps=7) as loop:
        for step in loop.steps():
            if step % 3 == 0:
                loop.end_episode(float(step))
            loop.end_step()
    assert not run.interrupted
    assert (run.steps, run.episodes) == (7, 2)
    assert [row["step"] for row in run.metrics.rows] == [3, 6]
