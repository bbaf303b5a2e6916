"""Clean, join and featurise the raw trips."""

from .pipeline import create_pipeline

__all__ = ["create_pipeline"]
