"""index → retrieve → answer → cite: the Python API is ``Assistant``."""

from assistant.api import Assistant
from assistant.model import Answer, Citation, QuestionError

__all__ = ["Answer", "Assistant", "Citation", "QuestionError"]
