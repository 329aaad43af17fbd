"""Declarative eligibility: which actions a resource's current state allows, per platform."""

from action_gateway.eligibility.engine import FactsError, Narrowing, PlatformMatrix
from action_gateway.eligibility.loading import MatrixError, load_matrix, load_matrix_text
from action_gateway.eligibility.models import Decision, DecisionCode, Evaluation

__all__ = [
    "Decision",
    "DecisionCode",
    "Evaluation",
    "FactsError",
    "MatrixError",
    "Narrowing",
    "PlatformMatrix",
    "load_matrix",
    "load_matrix_text",
]
