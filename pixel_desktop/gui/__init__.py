"""The desktop GUI: the only package that imports PySide6, qasync and pyqtgraph.

It is a thin layer over the headless core: widgets talk to ``services.Services`` only,
every slow call runs on a worker (``tasks.TaskRunner``) and engine events reach widgets
through ``bridge.EventBridge`` as queued Qt signals.
"""
