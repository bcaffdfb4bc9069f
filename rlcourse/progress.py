"""Progress bars for long training: a widget in JupyterLab, text in a terminal (tqdm.auto).

Training functions take ``progress: bool``; False (or the environment variable
``RLCOURSE_PROGRESS=0``) switches the bar off, e.g. in tests and benchmarks.
"""

from __future__ import annotations

import os
from typing import Any


def progress_enabled(progress: bool) -> bool:
    return progress and os.environ.get("RLCOURSE_PROGRESS", "1") != "0"


def progress_bar(total: int, *, desc: str = "", unit: str = "step", enabled: bool = True) -> Any:
    """A tqdm bar over ``total`` units, or a no-op stand-in when disabled."""
    if not progress_enabled(enabled):
        return _NoBar()
    from tqdm.auto import tqdm

    return tqdm(total=total, desc=desc, unit=unit, dynamic_ncols=True, leave=True)


class _NoBar:
    def update(self, n: int = 1) -> None:
        pass

    def set_postfix(self, *args: Any, **kwargs: Any) -> None:
        pass

    def close(self) -> None:
        pass
