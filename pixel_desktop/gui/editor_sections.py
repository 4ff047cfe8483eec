"""The editor's sections (key, title, icon), apart from the editor itself.

``pixel-desktop --section`` lists the keys while parsing its arguments, before the first
paint: importing the editor (the spec model, pydantic, the tables) just to name them would
put that cost in front of the window (issue 16).
"""

from __future__ import annotations

from PySide6.QtWidgets import QStyle

SECTIONS = [
    ("general", "General", QStyle.StandardPixmap.SP_FileDialogInfoView),
    ("personality", "Personality", QStyle.StandardPixmap.SP_MessageBoxInformation),
    ("business_rules", "Business rules", QStyle.StandardPixmap.SP_FileDialogListView),
    ("guidelines", "Guidelines", QStyle.StandardPixmap.SP_FileDialogDetailedView),
    ("faq", "FAQ", QStyle.StandardPixmap.SP_MessageBoxQuestion),
    ("documents", "Documents", QStyle.StandardPixmap.SP_FileIcon),
    ("llm", "LLM", QStyle.StandardPixmap.SP_ComputerIcon),
    ("deployment", "Deployment", QStyle.StandardPixmap.SP_DriveNetIcon),
    ("tests", "Conversation tests", QStyle.StandardPixmap.SP_DialogApplyButton),
]
