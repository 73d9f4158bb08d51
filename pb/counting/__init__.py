"""pb.counting: participatory budgeting ballots, Pabulib files and counting rules.

Pure Python, no Flask and no database: the app counts every round with it, and an auditor can run
it alone (`python -m pb.counting FILE.pb --rule mes-add1`). Outcomes agree with pabutools."""
from .model import APPROVAL, CUMULATIVE, KNAPSACK, ORDINAL, Election, ElectionError, Project, tie_key
from .pabulib import PabulibError, PabulibFile, read, reads, write, writes
from .result import Result
from .rules import RULE_NAMES, RULES, count, count_pots

__all__ = ["APPROVAL", "CUMULATIVE", "KNAPSACK", "ORDINAL", "Election", "ElectionError", "Project", "tie_key",
           "PabulibError", "PabulibFile", "read", "reads", "write", "writes", "Result", "RULE_NAMES", "RULES",
           "count", "count_pots"]
