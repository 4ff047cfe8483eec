"""Service configuration: identity (settings.py) and prompt text (prompts.py)."""
