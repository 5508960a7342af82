"""tracker: who republished this story, did they credit it, what did they change, who had it first."""

__version__ = "0.1.0"
