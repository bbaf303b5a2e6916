"""What became of a run or a candidate: the advisor's status words.

``ok``: measured to completion; ``timeout``: stopped at its time limit;
``crashed``: its process died; ``failed``: the pipeline raised;
``unpicklable``: its data could not cross a process boundary; ``stopped``:
its run was cut short once it was clearly slower than the best so far, or
the budget ran out; ``skipped``: not measured (pruned, budget, memory);
``predicted``: only simulated.
"""

from __future__ import annotations

OK = "ok"
TIMEOUT = "timeout"
CRASHED = "crashed"
FAILED = "failed"
UNPICKLABLE = "unpicklable"
STOPPED = "stopped"
SKIPPED = "skipped"
PREDICTED = "predicted"

#: Statuses of a run that did not end well: the candidate gets no more runs.
BROKEN = (TIMEOUT, CRASHED, FAILED, UNPICKLABLE)
