"""rlcourse: the tested implementations behind the notebooks of a deep reinforcement learning course.

Each module has one job and points back to the chapter that teaches it:

==================  =====================================================  ========
module              what it holds                                          chapter
==================  =====================================================  ========
``envs``            making envs, seeding, capped rollouts, evaluation      00
``networks``        MLPs, hard and soft target updates, device choice      01
``tabular``         ε-greedy, Q-learning and SARSA updates and training    02
``replay``          the replay buffer (terminated and truncated apart)     04
``dqn``             DQN: config, TD target, the update, training           03, 04
``noise``           Gaussian and Ornstein–Uhlenbeck exploration noise      06
``ddpg``            DDPG: critic and actor losses, the update, training    05, 06
``runs``            metrics, config and eval records, overrides, Ctrl-C    all
``training``        the loop machinery every algorithm shares: clocks,     all
                    evaluations, the stop rule, checkpoints, run folders
``sweep``           many seeds x settings at once: worker processes, Ray   all
``checkpoints``     weights as safetensors, metadata as JSON               04, 06
``plotting``        learning curves, Q-table maps, critic surfaces         all
``rendering``       episodes as inline videos, headless                    00, 04, 06
``widgets``         interactive explorers (ipywidgets)                     02, 04, 06
``checks``          automatic feedback for the exercises                   exercises
``i18n``            messages in English or Chinese (``set_language``)      all
``doctor``          the set-up check (``rlcourse doctor``)                 00
``cli``             ``rlcourse train | evaluate | doctor | exercises``     all
==================  =====================================================  ========

Modules are imported on demand (``from rlcourse import dqn``), so ``import rlcourse`` is cheap.
"""

__version__ = "0.1.0"

# the language of the package's messages (English by default, "zh" for Simplified Chinese); cheap to import
from rlcourse.i18n import set_language  # noqa: E402
