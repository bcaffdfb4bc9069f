"""Interactive explorers (ipywidgets) for the chapters.

Each explorer returns a widget and is shown beside a static matplotlib figure of its initial
state, so the stored notebook output is deterministic (nbval compares it) while a learner in
JupyterLab can still slide and click.
"""

from __future__ import annotations

# --- Q-table step-through (chapter 02) ------------------------------------------------------------

# --- DQN explorer (chapter 04) --------------------------------------------------------------------

# --- critic explorer (chapters 05-06) -------------------------------------------------------------
