"""``python -m rlcourse`` is the same as the ``rlcourse`` command."""

from rlcourse.cli import main

raise SystemExit(main())
