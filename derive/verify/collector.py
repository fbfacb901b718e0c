"""Python's cycle collector while a document is verified: the objects made before it are set aside.

A verification makes and drops many small objects (SymPy's numbers and sums, the reader's trees),
and every so often the cycle collector walks every object the process holds: the imported
modules, SymPy's caches, the derivation and the checker's tables, about a hundred thousand that
no verification frees. Those walks took a third of a document's time. gc.freeze() sets the
objects made before the document aside for its duration (cycles the verification leaves are
still collected) and gc.unfreeze() gives them back to the collector after.
"""

from __future__ import annotations

import gc
from contextlib import contextmanager


@contextmanager
def older_objects_set_aside():
    if not gc.isenabled() or gc.get_freeze_count():      # the caller manages the collector: left as it is
        yield
        return
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()
