"""Data quality of the connected centres: coverage, accuracy, timeliness, life cycle.

``rules`` judges one record (pure), ``deals`` one deal's coverage and life cycle (pure),
``scores`` turns summed counts into the 0–100 scores; ``consumer`` is the worker pass and the
recompute, ``queries`` the ranking, trends and findings. Definitions: ``docs/quality.md``.
"""

from prex.exchange.quality.consumer import recompute_quality, score_quality
from prex.exchange.quality.scores import WEIGHTS, Scores, Totals, scores

__all__ = ["WEIGHTS", "Scores", "Totals", "recompute_quality", "score_quality", "scores"]
