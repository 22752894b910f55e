"""Hyperparameter search (Optuna): grids and TPE spaces over any config key, pruning, resumable studies."""

from goodfit.search.pruning import PruneOnValid
from goodfit.search.space import load_space, parse_grid
from goodfit.search.study import SearchResult, create_search, finish_search, load_study, run_worker, search

__all__ = [
    "search",
    "SearchResult",
    "create_search",
    "finish_search",
    "load_study",
    "run_worker",
    "parse_grid",
    "load_space",
    "PruneOnValid",
]
