"""reprint-check: enforce news publishers' republication policies.

The library the command line is a thin coat over::

    from reprint_check import audit, load_policy, open_index

    with open_index("archive.sqlite") as index:
        report = audit(["suspect.html"], index=index, policy=load_policy("euromaidan-press"))
    for target in report.targets:
        print(target.target, target.status)
"""

from .audit import audit, audit_page, index_from_sources, load_target
from .index import SourceIndex, SQLiteIndex, open_index
from .models import Article, Page, Passage, Report, SourceFinding, TargetResult, Violation
from .policy.rules import Policy, load_policy
from .version import __version__

__all__ = [
    "Article",
    "Page",
    "Passage",
    "Policy",
    "Report",
    "SQLiteIndex",
    "SourceFinding",
    "SourceIndex",
    "TargetResult",
    "Violation",
    "__version__",
    "audit",
    "audit_page",
    "index_from_sources",
    "load_policy",
    "load_target",
    "open_index",
]
