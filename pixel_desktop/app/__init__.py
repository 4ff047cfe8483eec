"""Use cases written once, called by the CLI and the GUI (and nothing below them).

Why a layer: a rule that lives in a CLI command or a widget is a rule the other front end
gets wrong; here each use case validates its input, drives the engine/store and returns a
plain report that both front ends only format.
"""
