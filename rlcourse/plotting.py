"""Plots the chapters share: learning curves over seeds, Q-table maps, critic surfaces.

Every function draws on a matplotlib ``Axes`` (made for you when ``ax`` is None) and returns it,
so notebooks can compose figures. Nothing here trains anything: pass in what training returned.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np

# --- learning curves (all chapters) ---------------------------------------------------------------

# --- Q-tables (chapter 02) ------------------------------------------------------------------------

# --- DQN (chapters 03-04) -------------------------------------------------------------------------

# --- DDPG: critic surfaces and policy maps (chapters 05-06) ---------------------------------------
