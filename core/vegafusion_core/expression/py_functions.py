"""Python forms of Vega expression functions (see functions.py).

Each form is ``fn(ctx, *args)`` where ``ctx`` is the evaluator's ``EvalContext`` (it carries the
viewer's time zone) and ``args`` are already-evaluated JavaScript values (see jsvalues.py).
"""

from __future__ import annotations

from . import py_formatting  # noqa: F401  (registers the formatting functions' Python forms)
