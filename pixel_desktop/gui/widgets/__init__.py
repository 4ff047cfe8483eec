"""Widgets and helpers shared by the tabs: charts, layout helpers.

Written once here instead of per tab (the chart setup and the layout boilerplate were
copied between the Builds and Deploy tabs). Colours come from ``gui.theme``.
"""
