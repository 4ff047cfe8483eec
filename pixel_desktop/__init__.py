"""Pixel AI Creator Desktop: define, generate, build, test, push and deploy client AI assistants."""

__version__ = "0.1.0"
