"""The desktop GUI: the only package that imports PySide6 and pyqtgraph.

It is a thin layer over the headless core: widgets talk to ``services.Services`` only,
every slow call is a named operation in ``operations/`` run on a worker
(``tasks.TaskRunner``), and engine events reach widgets through the window's one
``bridge.EventBridge`` as queued Qt signals. Tab logic lives in widget-free controllers
(``builds_controller``), shared charts and layout helpers in ``widgets/``, colours in
``theme``.
"""
