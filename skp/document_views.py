"""(being built)"""

from .blueprint import bp  # noqa: F401
