"""One notation for actor-critic methods everywhere: the actor μ has parameters θ, the critic Q has φ.

Chapter 05 writes μ_θ and Q_φ, chapter 06 and ``rlcourse.ddpg`` the same; an exercise that calls
the actor's parameters φ (as ex06 once did) teaches the opposite of the chapter beside it. DQN's
Q-network keeps θ (chapters 03 and 04): only a passage that also speaks of an actor (a markdown
cell, or a top-level class or function of the package with its docstring) must not give Q a θ.
"""

from __future__ import annotations

import re
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[1]

# the actor written with φ: μ_φ, \mu_{\phi'}, μ(s; φ), ∂μ/∂φ, ∇_φ μ
ACTOR_WITH_PHI = re.compile(r"(\\mu|μ)\s*_?\s*\{?\s*(\\phi|\\varphi|φ)|(\\mu|μ)\s*\([^()]*;\s*(\\phi|φ)"
                            r"|\\partial\s*\\mu\s*/\s*\\partial\s*\\phi|∂μ\s*/\s*∂φ"
                            r"|\\nabla_\{?(\\phi|φ)\}?\s*\\?(mu|μ)")
# the critic written with θ: Q_θ, Q_{\theta'}, Q(s, a; θ)
CRITIC_WITH_THETA = re.compile(r"Q\s*_\s*\{?\s*(\\theta|θ)|Q\s*\([^()]*;\s*(\\theta|θ)")
HAS_ACTOR = re.compile(r"\bactor\b", re.IGNORECASE)


def notation_problems(text: str) -> list[str]:
    found = [f"the actor's parameters are θ, not φ: {m.group(0)!r}" for m in ACTOR_WITH_PHI.finditer(text)]
    if HAS_ACTOR.search(text):
        found += [f"the critic's parameters are φ, not θ: {m.group(0)!r}"
                  for m in CRITIC_WITH_THETA.finditer(text)]
    return found


def passages(path: Path) -> list[str]:
    """The markdown cells of a notebook, or the top-level blocks of a Python file (split before
    each top-level def, class, decorator or comment line, so a section comment is its own block)."""
    if path.suffix == ".ipynb":
        return [c.source for c in nbformat.read(path, as_version=4).cells if c.cell_type == "markdown"]
    return re.split(r"\n(?=(?:def |class |async def |@|#))", path.read_text(encoding="utf-8"))


def paths() -> list[Path]:
    found = [p for folder in ("notebooks", "exercises") for p in sorted((ROOT / folder).rglob("*.ipynb"))
             if ".ipynb_checkpoints" not in p.parts]
    return found + sorted((ROOT / "rlcourse").rglob("*.py"))


@pytest.mark.parametrize("path", paths(), ids=lambda p: str(p.relative_to(ROOT)))
def test_actor_is_theta_and_critic_is_phi(path):
    found = [problem for passage in passages(path) for problem in notation_problems(passage)]
    assert not found, f"{path.relative_to(ROOT)}:\n" + "\n".join(found)


@pytest.mark.parametrize("wrong", [
    r"$$L(\phi) = -\frac{1}{B}\sum_i Q\big(s_i, \mu_\phi(s_i)\big)$$",   # ex06's old actor loss
    r"the chain rule: $\partial Q/\partial a \cdot \partial \mu/\partial \phi$",
    "the actor μ(s; φ) and the critic",
    r"the actor and its critic $Q_\theta(s, a)$",
    "an actor, and a critic Q(s, a; θ)",
])
def test_the_check_catches_the_swapped_names(wrong):
    assert notation_problems(wrong)


@pytest.mark.parametrize("right", [
    r"the actor $\mu_\theta(s)$ and the critic $Q_\phi(s, a)$, targets $\mu_{\theta'}$ and $Q_{\phi'}$",
    "L(θ) = −mean Q(s, μ(s; θ); φ) for the actor",
    r"DQN's network $Q_\theta(s, a)$ and its target $Q_{\theta^-}$",   # no actor: θ is DQN's
])
def test_the_check_accepts_the_course_notation(right):
    assert notation_problems(right) == []
