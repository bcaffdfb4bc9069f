"""Automatic feedback for the exercises (``exercises/``): one check per exercise, naming the mistake.

    >>> from rlcourse.checks import check_q_learning_update
    >>> result = check_q_learning_update(my_q_learning_update)   # prints a verdict
    >>> result.passed, result.score
    (True, 1.0)

``engine`` runs the learner's code safely and diagnoses it; one catalogue module per chapter
declares that chapter's exercises (reference, seeded cases, what to observe, and the catalogue of
mistakes, each named by an exact mutant or by a property of the learner's outputs):

==========================  ====================================================================
``ch02_tabular``            ε-greedy, the Q-learning and SARSA updates
``ch03_networks``           a discretiser of CartPole's state, one online Q-network update
``ch04_dqn``                the replay buffer, the TD target, the DQN loss, target updates
``ch05_dpg``                the critic's slope ∂Q/∂a and the DPG gradient by the chain rule
``ch06_ddpg``               action scaling, the critic's target, the actor's loss
``ch07_find_the_bug``       five training snippets with one silent bug each
==========================  ====================================================================

For instructors who grade: ``check_x(fn, grading="raise")``, or ``RLCOURSE_GRADING=raise`` in the
environment of an autograder, makes a wrong answer raise :class:`CheckFailed` (an ``AssertionError``)
after its verdict is printed; ``nbgrader autograde`` needs neither (it sets ``NBGRADER_EXECUTION``,
which does the same; see ``exercises/README.md``). Every :class:`CheckResult` also has a ``score``
(1.0 or 0.0).
"""

from .ch02_tabular import (EPSILON_GREEDY, Q_LEARNING_UPDATE, SARSA_UPDATE, check_epsilon_greedy,
                           check_q_learning_update, check_sarsa_update)
from .ch03_networks import DISCRETISE, ONLINE_Q_UPDATE, check_discretise, check_online_q_update
from .ch04_dqn import (DQN_LOSS, HARD_UPDATE, REPLAY_BUFFER, SOFT_UPDATE, TD_TARGET, check_dqn_loss,
                       check_hard_update, check_replay_buffer, check_soft_update, check_td_target)
from .ch05_dpg import CRITIC_SLOPE, DPG_GRADIENT, check_critic_slope, check_dpg_gradient
from .ch06_ddpg import (ACTOR_LOSS, CRITIC_TARGET, SCALE_ACTION, check_actor_loss, check_critic_target,
                        check_scale_action)
from .ch07_find_the_bug import (COLLECT_EPISODE, LOSS_FROM_BATCH, SELECT_ACTION, TRAIN_STEPS,
                                check_collect_episode, check_loss_from_batch, check_select_action,
                                check_train_steps)
from .engine import CHECK_SEED, DEFAULT_TIMEOUT, CheckFailed, CheckResult, Exercise, Mutant, run_check

#: every exercise with a check, in the order of the course
EXERCISES = (EPSILON_GREEDY, Q_LEARNING_UPDATE, SARSA_UPDATE, DISCRETISE, ONLINE_Q_UPDATE, REPLAY_BUFFER,
             TD_TARGET, DQN_LOSS, HARD_UPDATE, SOFT_UPDATE, CRITIC_SLOPE, DPG_GRADIENT, CRITIC_TARGET, ACTOR_LOSS, SCALE_ACTION, LOSS_FROM_BATCH,
             COLLECT_EPISODE, TRAIN_STEPS, SELECT_ACTION)
