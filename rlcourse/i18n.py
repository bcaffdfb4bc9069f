"""The language of the package's messages: English, or Simplified Chinese (简体中文), with gettext.

    >>> import rlcourse
    >>> rlcourse.set_language("zh")      # the checks' verdicts and hints, the CLI's errors ... in Chinese
    >>> rlcourse.set_language("en")      # back to English
    >>> rlcourse.set_language(None)      # follow the locale variables again (the default)

Without a call, the usual locale variables decide, in gettext's order: the first of ``LANGUAGE``
(a colon-separated list), ``LC_ALL``, ``LC_MESSAGES`` and ``LANG`` that is set, e.g.
``LANG=zh_CN.UTF-8``. English is the default and the source language: every message is written in
English in the code, wrapped in :func:`_` (or marked with :func:`N_` where it is defined before it
is shown), and looked up when shown in the catalogue kept in the package,
``rlcourse/locale/zh_CN/LC_MESSAGES/rlcourse.po`` (compiled beside it to ``rlcourse.mo``, which is
what the standard library's :mod:`gettext` reads). Placeholders are named, ``{name}``, and filled
with ``str.format`` after the lookup, so a translation may put them in another order.

Maintainers: after changing a message, ``python -m rlcourse.i18n_catalogue`` adds new messages to
the ``.po`` (untranslated), drops unused ones and compiles the ``.mo`` (Babel, a developer tool: the
run time needs only the standard library); ``tests/test_i18n.py`` fails while a message has no
translation, a placeholder differs, or the ``.mo`` is stale.
"""

from __future__ import annotations

import functools
import gettext
import os
from pathlib import Path

DOMAIN = "rlcourse"
LOCALE_DIR = Path(__file__).resolve().parent / "locale"
#: the languages the package speaks: short name -> gettext's catalogue folder (None: the source text)
LANGUAGES = {"en": None, "zh": "zh_CN"}
#: the locale variables, in the order gettext reads them
LOCALE_VARIABLES = ("LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG")

_chosen: str | None = None


def _short_name(tag: str) -> str | None:
    """'zh_CN.UTF-8', 'zh-Hans', 'zh' -> 'zh'; 'en_GB', 'C', 'POSIX' -> 'en'; anything else None."""
    tag = tag.strip().split(".")[0].split("@")[0].replace("-", "_").lower()
    if tag in ("c", "posix") or tag == "en" or tag.startswith("en_"):
        return "en"
    if tag == "zh" or tag in ("zh_cn", "zh_sg", "zh_hans", "zh_hans_cn"):
        return "zh"
    return None


def set_language(language: str | None) -> None:
    """Show the package's messages in ``language``: ``"en"`` or ``"zh"`` (also ``"zh_CN"``, ``"zh-Hans"``);
    ``None`` follows the locale variables again.

    Raises:
        ValueError: a language the package has no catalogue for.
    """
    global _chosen
    if language is None:
        _chosen = None
        return
    short = _short_name(str(language))
    if short is None:
        raise ValueError(f"set_language({language!r}): the course speaks {', '.join(map(repr, LANGUAGES))}; "
                         "use one of those, or None to follow LANGUAGE/LC_ALL/LC_MESSAGES/LANG")
    _chosen = short


def language() -> str:
    """The language messages are shown in now: ``"en"`` or ``"zh"``."""
    if _chosen is not None:
        return _chosen
    for variable in LOCALE_VARIABLES:
        value = os.environ.get(variable)
        if value:  # like gettext: the first variable that is set decides, its first known language wins
            for tag in value.split(":"):
                short = _short_name(tag)
                if short is not None:
                    return short
            return "en"
    return "en"


@functools.lru_cache(maxsize=None)
def _translations(short: str) -> gettext.NullTranslations:
    folder = LANGUAGES[short]
    if folder is None:
        return gettext.NullTranslations()
    # fallback: an install that lost its catalogue speaks English rather than failing every check
    # (tests/test_i18n.py checks that a built wheel holds it)
    return gettext.translation(DOMAIN, LOCALE_DIR, languages=[folder], fallback=True)


def _(message: str) -> str:
    """``message`` (an English text, the msgid) in the current language."""
    return _translations(language()).gettext(message)


def N_(message: str) -> str:
    """Mark ``message`` for translation where it is defined; :func:`_` translates it where it is shown."""
    return message
