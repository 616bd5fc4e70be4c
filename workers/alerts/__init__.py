"""The alert evaluator process (``tradedash alerts``) and its benchmark."""
