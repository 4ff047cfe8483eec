"""The project editor: every spec field as a form, validated by the spec model itself.

Validation is the same ``ProjectSpec`` + ``spec_error_from_validation`` the importer and CLI
use, so the editor can never accept what ``pixel projects import`` would refuse. Every
problem is listed under the header in words (``FAQ row 25, answer must not be empty``: rows
count from 1, as the tables number them; see ``messages.spec_problems``), each section with a
problem gets a warning icon, its widget is outlined, and the first table row at fault is
selected and highlighted.

Saving from the form keeps every value exactly as loaded or typed, as the YAML path does:
lists are edited one item per row (StringListEdit), multi-line text through ExactTextEdit,
numbers as text parsed with ``float`` (a spin box rounds) or ``int`` (a spin box clamps
99999 to its maximum), and nothing is trimmed or split.
A value the spec refuses (e.g. a blank item) is named by validation instead of dropped.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from pydantic import ValidationError
from PySide6.QtCore import QSize, Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QScrollArea,
    QStackedWidget,
    QStyle,
    QVBoxLayout,
    QWidget,
)

from pixel_desktop.errors import SpecError
from pixel_desktop.gui import theme
from pixel_desktop.gui.editor_sections import SECTIONS
from pixel_desktop.gui.messages import SpecProblems, spec_problems
from pixel_desktop.gui.tables import (
    FIELD_ERROR_STYLE,
    Column,
    ExactTextEdit,
    NumberField,
    RowTable,
    StringListEdit,
)
from pixel_desktop.spec import ProjectSpec
from pixel_desktop.spec.faq import group_by_answer
from pixel_desktop.spec.model import slugify
from pixel_desktop.spec.yaml_io import spec_to_data

_FIELD_RE = re.compile(r"\[(\d+)\]")
# (spec value, label) in the order the combo lists them; the first is the spec default.
RETRIEVAL_CHOICES = [("semantic", "Semantic (default)"), ("lexical", "Lexical (smallest image)")]
ERROR_STYLE = FIELD_ERROR_STYLE


def _section_of(field: str) -> str:
    root = field.split(".")[0].split("[")[0]
    if root == "training_data":
        return "documents" if ".documents" in field else "faq"
    if root in {"name", "slug", "client", "description", "template", "retrieval", "spec_version", "(document)"}:
        return "general"
    return root


class ProjectEditor(QWidget):
    changed = Signal()  # any edit (debounced consumers: validation, preview)
    validated = Signal(object)  # ProjectSpec | SpecError
    secret_requested = Signal(str, str, str)  # slug, name, value → keyring (off-thread)
    rename_requested = Signal(str, str, int)  # slug, new slug, version loaded → app rename

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.slug: str | None = None
        self.version: int | None = None
        self.project_id: int | None = None
        self._base_data: dict[str, Any] = {}
        self._loading = False
        self._dirty = False
        self._field_widgets: dict[str, QWidget] = {}
        self._secret_state: dict[str, bool] = {}
        self.last_error: SpecError | None = None
        # Asks for the new slug (the dialog is the confirmation); tests replace it.
        self.ask_new_slug: Callable[[str, str], str | None] = self._ask_new_slug

        self.header = QLabel("No project selected")
        self.header.setObjectName("editorHeader")
        self.error_label = QLabel()
        self.error_label.setObjectName("fieldError")
        self.error_label.setWordWrap(True)
        self.error_label.hide()

        self.nav = QListWidget()
        self.nav.setObjectName("sectionNav")
        self.nav.setIconSize(QSize(18, 18))
        self.nav.setFixedWidth(190)
        self.stack = QStackedWidget()
        self._section_index: dict[str, int] = {}
        for key, title, icon in SECTIONS:
            item = QListWidgetItem(self.style().standardIcon(icon), title)
            item.setData(Qt.ItemDataRole.UserRole, key)
            item.setSizeHint(QSize(170, 34))
            self.nav.addItem(item)
            page = getattr(self, f"_build_{key}")()
            self._section_index[key] = self.stack.addWidget(page)
        self.nav.currentRowChanged.connect(self.stack.setCurrentIndex)
        self.nav.setCurrentRow(0)

        body = QHBoxLayout()
        body.setSpacing(12)
        body.addWidget(self.nav)
        body.addWidget(self.stack, 1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(12, 10, 12, 10)
        layout.addWidget(self.header)
        layout.addWidget(self.error_label)
        layout.addLayout(body, 1)

        self._validate_timer = QTimer(self)
        self._validate_timer.setSingleShot(True)
        self._validate_timer.setInterval(250)
        self._validate_timer.timeout.connect(self.validate)
        self.setEnabled(False)

    # ---------------------------------------------------------------- form pages
    def _page(self, title: str, subtitle: str) -> tuple[QWidget, QVBoxLayout]:
        page = QWidget()
        layout = QVBoxLayout(page)
        layout.setContentsMargins(4, 0, 4, 0)
        heading = QLabel(f"<span style='font-size:15pt; font-weight:600'>{title}</span>")
        sub = QLabel(subtitle)
        sub.setObjectName("hint")
        sub.setWordWrap(True)
        layout.addWidget(heading)
        layout.addWidget(sub)
        return page, layout

    def _scroll(self, inner: QWidget) -> QScrollArea:
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QScrollArea.Shape.NoFrame)
        scroll.setWidget(inner)
        return scroll

    def _line(self, field: str, placeholder: str = "") -> QLineEdit:
        edit = QLineEdit()
        edit.setPlaceholderText(placeholder)
        edit.textChanged.connect(self._on_changed)
        self._field_widgets[field] = edit
        return edit

    def _text(self, field: str, placeholder: str = "", height: int = 0) -> ExactTextEdit:
        edit = ExactTextEdit()
        edit.setPlaceholderText(placeholder)
        if height:
            edit.setMinimumHeight(height)
        edit.textChanged.connect(self._on_changed)
        self._field_widgets[field] = edit
        return edit

    def _items(self, field: str, hint: str) -> StringListEdit:
        edit = StringListEdit(hint)
        edit.changed.connect(self._on_changed)
        self._field_widgets[field] = edit
        return edit

    def _form(self) -> QFormLayout:
        form = QFormLayout()
        form.setLabelAlignment(Qt.AlignmentFlag.AlignRight)
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.ExpandingFieldsGrow)
        form.setHorizontalSpacing(14)
        form.setVerticalSpacing(10)
        return form

    def _build_general(self) -> QWidget:
        page, layout = self._page(
            "General", "Who the assistant is for, which template set generates it and how it finds answers."
        )
        form = self._form()
        self.name_edit = self._line("name", "Acme Support Bot")
        self.slug_edit = QLineEdit()
        self.slug_edit.setReadOnly(True)
        self.slug_edit.setToolTip(
            "The slug names the project on the command line, in image names and URLs. Change it with Rename…"
        )
        self._field_widgets["slug"] = self.slug_edit
        self.rename_button = QPushButton("Rename…")
        self.rename_button.setToolTip("Change the slug; secrets, builds and deployments stay with the project.")
        self.rename_button.clicked.connect(self.request_rename)
        slug_row = QHBoxLayout()
        slug_row.addWidget(self.slug_edit, 1)
        slug_row.addWidget(self.rename_button)
        self.client_edit = self._line("client", "Acme Corp")
        self.description_edit = self._text("description", "What the assistant does, in one or two sentences.", 90)
        self.description_edit.setMaximumHeight(140)
        self.template_combo = QComboBox()
        self.template_combo.setEditable(True)
        self.template_combo.setMinimumWidth(260)
        self.template_combo.currentTextChanged.connect(self._on_changed)
        self._field_widgets["template"] = self.template_combo
        self.retrieval_combo = QComboBox()
        for value, label in RETRIEVAL_CHOICES:
            self.retrieval_combo.addItem(label, value)
        self.retrieval_combo.setToolTip(
            "How the assistant finds the FAQ entry or passage for a question.\n"
            "Semantic: matches by meaning with a small embedding model inside the image.\n"
            "Lexical: matches words only; the smallest image."
        )
        self.retrieval_combo.currentIndexChanged.connect(self._on_changed)
        self._field_widgets["retrieval"] = self.retrieval_combo
        form.addRow("Name", self.name_edit)
        form.addRow("Slug", slug_row)
        form.addRow("Client", self.client_edit)
        form.addRow("Description", self.description_edit)
        form.addRow("Template set", self.template_combo)
        form.addRow("Retrieval", self.retrieval_combo)
        layout.addLayout(form)
        layout.addStretch(1)
        return page

    def _build_personality(self) -> QWidget:
        page, layout = self._page("Personality", "Tone and style shape every reply; the system prompt is sent to the LLM.")
        form = self._form()
        self.tone_edit = self._line("personality.tone", "friendly")
        self.style_edit = self._line("personality.style", "concise")
        self.greeting_edit = self._line("personality.greeting", "Hi! How can I help you today?")
        self.system_prompt_edit = self._text("personality.system_prompt", "You are a helpful assistant.", 220)
        form.addRow("Tone", self.tone_edit)
        form.addRow("Style", self.style_edit)
        form.addRow("Greeting", self.greeting_edit)
        form.addRow("System prompt", self.system_prompt_edit)
        layout.addLayout(form, 1)
        return page

    def _build_business_rules(self) -> QWidget:
        page, layout = self._page(
            "Business rules",
            "Checked before anything else, also offline. Give either match words/phrases "
            "(listed below the table, one per row) or a regular expression; handoff marks the "
            "reply as a hand-off to a person.",
        )
        self.rules_table = RowTable(
            [
                Column("name", "Name", width=150),
                Column("regex", "Regex", width=180),
                Column("reply", "Reply"),
                Column("handoff", "Handoff", "bool", width=70),
            ],
            detail=Column("match", "Match words/phrases of the selected rule", "items"),
            detail_placeholder="One word or phrase per row, kept exactly (| and spaces included).",
        )
        self.rules_table.changed.connect(self._on_changed)
        layout.addWidget(self.rules_table, 1)
        return page

    def _build_guidelines(self) -> QWidget:
        page, layout = self._page("Guidelines", "One guideline per row; given to the LLM in the system prompt.")
        self.guidelines_edit = self._items("guidelines", "e.g. Answer in English.")
        layout.addWidget(self.guidelines_edit, 1)
        return page

    def _build_faq(self) -> QWidget:
        page, layout = self._page(
            "FAQ",
            "Questions and answers used for retrieval. Add other ways customers ask a question below "
            "the table, one per line. Import a CSV with a `question,answer` header: rows with the same "
            "answer become one entry, the first row's question and the others as other phrasings.",
        )
        self.faq_table = RowTable(
            [Column("question", "Question", width=330), Column("answer", "Answer")],
            detail=Column("questions", "Other phrasings (one per line)", "lines"),
            detail_placeholder=(
                "Other ways customers ask the selected question, one per line, e.g.\n"
                "What payment options are there?\nCan I pay with PayPal?"
            ),
            csv_import=True,
            csv_rows=_group_faq_rows,
        )
        self.faq_table.changed.connect(self._on_changed)
        layout.addWidget(self.faq_table, 1)
        return page

    def _build_documents(self) -> QWidget:
        page, layout = self._page("Documents", "Longer texts (policies, manuals) the assistant retrieves passages from.")
        self.docs_table = RowTable([Column("title", "Title")], detail=Column("text", "Text"))
        self.docs_table.changed.connect(self._on_changed)
        layout.addWidget(self.docs_table, 1)
        return page

    def _build_llm(self) -> QWidget:
        page, layout = self._page(
            "LLM", "With provider none the service answers offline from rules, FAQ and documents."
        )
        form = self._form()
        self.provider_combo = QComboBox()
        self.provider_combo.addItems(["none", "openai-compatible"])
        self.provider_combo.currentTextChanged.connect(self._on_changed)
        self._field_widgets["llm.provider"] = self.provider_combo
        self.base_url_edit = self._line("llm.base_url", "http://localhost:11434/v1")
        self.model_edit = self._line("llm.model", "llama3.2")
        self.api_key_env_edit = self._line("llm.api_key_env", "LLM_API_KEY")
        # Line edits, not spin boxes: a QDoubleSpinBox rounds to its decimals (0.123 → 0.12).
        self.temperature_edit = self._line("llm.temperature", "0.0 to 2.0, e.g. 0.2")
        self.timeout_edit = self._line("llm.timeout_s", "seconds, e.g. 20")
        form.addRow("Provider", self.provider_combo)
        form.addRow("Base URL", self.base_url_edit)
        form.addRow("Model", self.model_edit)
        form.addRow("API key env var", self.api_key_env_edit)
        form.addRow("Temperature", self.temperature_edit)
        form.addRow("Timeout (s)", self.timeout_edit)
        layout.addLayout(form)
        layout.addStretch(1)
        return page

    def _build_deployment(self) -> QWidget:
        page, layout = self._page(
            "Deployment",
            "Plain env vars are stored with the project. Secret values go straight to the OS keyring "
            "and are injected at run time; only their names are stored.",
        )
        inner = QWidget()
        inner_layout = QVBoxLayout(inner)
        inner_layout.setContentsMargins(0, 0, 0, 0)
        form = self._form()
        # Typed, not spun: 99999 must reach validation (which names the range), not become 9999.
        self.port_spin = NumberField(placeholder="1024 to 65535, e.g. 8000")
        self.port_spin.textChanged.connect(self._on_changed)
        self._field_widgets["deployment.port"] = self.port_spin
        self.base_image_edit = self._line("deployment.base_image", "default from Settings (e.g. python:3.12-slim)")
        self.chat_endpoint_edit = self._line("deployment.endpoints.chat", "/chat")
        self.health_endpoint_edit = self._line("deployment.endpoints.health", "/health")
        form.addRow("Port", self.port_spin)
        form.addRow("Base image", self.base_image_edit)
        form.addRow("Chat endpoint", self.chat_endpoint_edit)
        form.addRow("Health endpoint", self.health_endpoint_edit)
        inner_layout.addLayout(form)
        inner_layout.addWidget(QLabel("<b>Environment variables</b>"))
        self.env_table = RowTable([Column("name", "Name", width=220), Column("value", "Value")])
        self.env_table.setMinimumHeight(160)
        self.env_table.changed.connect(self._on_changed)
        inner_layout.addWidget(self.env_table)
        inner_layout.addWidget(QLabel("<b>Secret environment variables</b> (values in the OS keyring)"))
        self.secret_table = RowTable([Column("name", "Name", width=220), Column("state", "Value")])
        self.secret_table.setMinimumHeight(160)
        self.secret_table.changed.connect(self._on_changed)
        self.set_secret_button = QPushButton(
            self.style().standardIcon(QStyle.StandardPixmap.SP_DialogSaveButton), "Set value in keyring…"
        )
        self.set_secret_button.clicked.connect(self._ask_secret_value)
        self.secret_table.layout().itemAt(0).layout().insertWidget(4, self.set_secret_button)
        inner_layout.addWidget(self.secret_table)
        inner_layout.addWidget(QLabel("<b>Extra dependencies</b> (PEP 508, one per row)"))
        self.deps_edit = self._items("deployment.dependencies", "e.g. rapidfuzz>=3")
        self.deps_edit.setMinimumHeight(140)
        inner_layout.addWidget(self.deps_edit)
        layout.addWidget(self._scroll(inner), 1)
        return page

    def _build_tests(self) -> QWidget:
        page, layout = self._page(
            "Conversation tests",
            "Run against the built container. A test passes when the reply contains every expected "
            "text (listed below the table) and, if set, the handoff flag matches.",
        )
        self.tests_table = RowTable(
            [
                Column("ask", "Ask"),
                Column("expect_handoff", "Handoff", "tristate", width=90),
            ],
            detail=Column("expect_contains", "Texts the reply must contain", "items"),
            detail_placeholder="One expected text per row, kept exactly (| and spaces included).",
        )
        self.tests_table.changed.connect(self._on_changed)
        layout.addWidget(self.tests_table, 1)
        return page

    # ---------------------------------------------------------------- load / read
    def set_templates(self, names: list[str]) -> None:
        current = self.template_combo.currentText()
        self._loading = True
        try:
            self.template_combo.clear()
            self.template_combo.addItems(names)
            self.template_combo.setCurrentText(current)
        finally:
            self._loading = False

    def load(self, record: Any) -> None:
        """Fill the form from a ProjectRecord (slug, version, id, spec)."""
        spec: ProjectSpec = record.spec
        self.slug, self.version, self.project_id = record.slug, record.version, record.id
        self._base_data = spec_to_data(spec)
        self._loading = True
        try:
            self.name_edit.setText(spec.name)
            self.slug_edit.setText(spec.project_slug)
            self.client_edit.setText(spec.client)
            self.description_edit.set_value(spec.description)
            if self.template_combo.findText(spec.template) < 0:
                self.template_combo.addItem(spec.template)
            self.template_combo.setCurrentText(spec.template)
            self.retrieval_combo.setCurrentIndex(self.retrieval_combo.findData(spec.retrieval))
            p = spec.personality
            self.tone_edit.setText(p.tone)
            self.style_edit.setText(p.style)
            self.greeting_edit.setText(p.greeting)
            self.system_prompt_edit.set_value(p.system_prompt)
            self.rules_table.set_rows([r.model_dump() for r in spec.business_rules])
            self.guidelines_edit.set_items(list(spec.guidelines))
            self.faq_table.set_rows([f.model_dump() for f in spec.training_data.faq])
            self.docs_table.set_rows([d.model_dump() for d in spec.training_data.documents])
            llm = spec.llm
            self.provider_combo.setCurrentText(llm.provider)
            self.base_url_edit.setText(llm.base_url or "")
            self.model_edit.setText(llm.model or "")
            self.api_key_env_edit.setText(llm.api_key_env or "")
            self.temperature_edit.setText(repr(llm.temperature))
            self.timeout_edit.setText(repr(llm.timeout_s))
            d = spec.deployment
            self.port_spin.setValue(d.port)
            self.base_image_edit.setText(d.base_image or "")
            self.chat_endpoint_edit.setText(d.endpoints.chat)
            self.health_endpoint_edit.setText(d.endpoints.health)
            self.env_table.set_rows([{"name": k, "value": v} for k, v in d.env_vars.items()])
            self._secret_state = {}
            self.secret_table.set_rows([{"name": n, "state": "…"} for n in d.secret_env])
            self.deps_edit.set_items(list(d.dependencies))
            self.tests_table.set_rows([t.model_dump() for t in spec.tests])
        finally:
            self._loading = False
        self.header.setText(
            f"<span style='font-size:17pt; font-weight:600'>{_esc(spec.name)}</span>"
            f"&nbsp;&nbsp;<span style='color:{theme.MUTED}'>{_esc(spec.client)} · {spec.project_slug} · v{record.version}</span>"
        )
        self._set_dirty(False)
        self.show_error(None)
        self.setEnabled(True)

    def set_secret_states(self, states: dict[str, bool]) -> None:
        """Show which secret env names have a value in the keyring (checked off-thread)."""
        self._secret_state = dict(states)
        table = self.secret_table.table
        self.secret_table._loading = True
        try:
            for r in range(table.rowCount()):
                name_item = table.item(r, 0)
                state_item = table.item(r, 1)
                if name_item is None or state_item is None:
                    continue
                known = states.get(name_item.text())
                state_item.setText({True: "●●●●●● set in keyring", False: "not set", None: "…"}[known])
                state_item.setFlags(state_item.flags() & ~Qt.ItemFlag.ItemIsEditable)
        finally:
            self.secret_table._loading = False

    def form_data(self) -> dict[str, Any]:
        data = dict(self._base_data)
        data.update(
            spec_version=1,
            name=self.name_edit.text(),
            slug=self.slug or None,
            client=self.client_edit.text(),
            description=self.description_edit.value(),
            template=self.template_combo.currentText(),
            retrieval=self.retrieval_combo.currentData(),
            personality={
                "tone": self.tone_edit.text(),
                "style": self.style_edit.text(),
                "greeting": self.greeting_edit.text(),
                "system_prompt": self.system_prompt_edit.value(),
            },
            business_rules=[
                {
                    "name": r["name"],
                    "match": r["match"] or None,
                    "regex": r["regex"] or None,
                    "reply": r["reply"],
                    "handoff": r["handoff"],
                }
                for r in self.rules_table.rows()
            ],
            guidelines=self.guidelines_edit.items(),
            training_data={"faq": self.faq_table.rows(), "documents": self.docs_table.rows()},
            llm={
                "provider": self.provider_combo.currentText(),
                "base_url": self.base_url_edit.text() or None,
                "model": self.model_edit.text() or None,
                "api_key_env": self.api_key_env_edit.text() or None,
                "temperature": _number(self.temperature_edit.text()),
                "timeout_s": _number(self.timeout_edit.text()),
            },
            deployment={
                "port": self.port_spin.value(),
                "base_image": self.base_image_edit.text() or None,
                "env_vars": {r["name"]: r["value"] for r in self.env_table.rows()},
                "secret_env": [r["name"] for r in self.secret_table.rows()],
                "dependencies": self.deps_edit.items(),
                "endpoints": {
                    "chat": self.chat_endpoint_edit.text(),
                    "health": self.health_endpoint_edit.text(),
                },
            },
            tests=[
                {k: v for k, v in t.items() if not (k == "expect_handoff" and v is None)}
                for t in self.tests_table.rows()
            ],
        )
        return data

    def current_spec(self) -> ProjectSpec:
        """The form as a validated spec; raises SpecProblems listing every problem in words
        (the same model the importer and CLI use, so the rules cannot differ)."""
        try:
            return ProjectSpec.model_validate(self.form_data())
        except ValidationError as exc:
            raise SpecProblems(spec_problems(exc.errors())) from None

    # ---------------------------------------------------------------- validation
    def validate(self) -> ProjectSpec | None:
        self._validate_timer.stop()
        try:
            spec = self.current_spec()
        except SpecError as exc:
            self.show_error(exc)
            self.validated.emit(exc)
            return None
        self.show_error(None)
        self.validated.emit(spec)
        return spec

    def show_error(self, exc: SpecError | None) -> None:
        self.last_error = exc
        for widget in self._field_widgets.values():
            widget.setStyleSheet("")
        for table in (self.rules_table, self.faq_table, self.docs_table, self.env_table, self.secret_table, self.tests_table):
            table.clear_marks()
        for i in range(self.nav.count()):
            key = self.nav.item(i).data(Qt.ItemDataRole.UserRole)
            icon = next(ic for k, _t, ic in SECTIONS if k == key)
            self.nav.item(i).setIcon(self.style().standardIcon(icon))
        if exc is None:
            self.error_label.hide()
            return
        problems = exc.problems if isinstance(exc, SpecProblems) else [(exc.field or "", str(exc).removeprefix("form: "))]
        # Every problem, one per line: fixing one must not reveal the next only after a save.
        self.error_label.setText("<br>".join(f"⚠  {_esc(sentence)}" for _f, sentence in problems))
        self.error_label.show()
        for problem_field, _sentence in problems:
            index = self._section_index.get(_section_of(problem_field))
            if index is not None:
                self.nav.item(index).setIcon(self.style().standardIcon(QStyle.StandardPixmap.SP_MessageBoxWarning))
            widget = self._field_widgets.get(_FIELD_RE.sub("", problem_field))
            if widget is not None:
                widget.setStyleSheet(ERROR_STYLE)
        # The first problem that sits in a table gets its row selected and marked.
        for problem_field, _sentence in problems:
            table, row, key = self._table_for(problem_field)
            if table is not None:
                table.mark_error(row, key)
                break

    def _table_for(self, field: str) -> tuple[RowTable | None, int | None, str | None]:
        numbers = [int(n) for n in _FIELD_RE.findall(field)]
        row = numbers[0] if numbers else None
        # "training_data.faq[2].questions[1]" → row 2, key "questions": the index of an item
        # inside a row's list names no column of its own.
        key = _FIELD_RE.sub("", field.rsplit(".", 1)[-1]) if "]." in field else None
        if field.startswith("business_rules"):
            return self.rules_table, row, key
        if field.startswith("training_data.faq"):
            return self.faq_table, row, key
        if field.startswith("training_data.documents"):
            return self.docs_table, row, key
        if field.startswith("tests"):
            return self.tests_table, row, key
        if field.startswith("deployment.secret_env"):
            return self.secret_table, row, "name"
        if field.startswith("deployment.env_vars"):
            return self.env_table, None, None
        return None, None, None

    def show_section(self, key: str) -> None:
        index = self._section_index.get(key)
        if index is not None:
            self.nav.setCurrentRow(index)

    def reveal_error(self) -> None:
        """Jump to the section holding the current error."""
        if self.last_error is not None:
            index = self._section_index.get(_section_of(self.last_error.field or ""))
            if index is not None:
                self.nav.setCurrentRow(index)

    # ---------------------------------------------------------------- dirty / secrets
    @property
    def dirty(self) -> bool:
        return self._dirty

    def mark_saved(self, record: Any) -> None:
        self.load(record)

    def _set_dirty(self, dirty: bool) -> None:
        self._dirty = dirty

    def _on_changed(self, *_: Any) -> None:
        if self._loading:
            return
        self._set_dirty(True)
        self._validate_timer.start()
        self.changed.emit()

    def request_rename(self) -> None:
        """Ask for a new slug and hand it to the window, which renames through the app layer.
        Unsaved edits are not renamed along (the rename saves the stored spec): say so."""
        if not self.slug or self.version is None:
            return
        if self._dirty:
            from pixel_desktop.gui.errors import show_message

            show_message("warning", "Save or discard your changes first, then rename: a rename saves the project.")
            return
        new = self.ask_new_slug(self.slug, slugify(self.client_edit.text() or "client"))
        if new and new != self.slug:
            self.rename_requested.emit(self.slug, new, self.version)

    def _ask_new_slug(self, slug: str, client_slug: str) -> str | None:
        from pixel_desktop.gui.new_project_dialog import RenameProjectDialog

        dialog = RenameProjectDialog(slug, client_slug, parent=self)
        return dialog.slug() if dialog.exec() == RenameProjectDialog.DialogCode.Accepted else None

    def _ask_secret_value(self) -> None:
        table = self.secret_table.table
        row = table.currentRow()
        item = table.item(row, 0) if row >= 0 else None
        if item is None or not item.text().strip() or not self.slug:
            from pixel_desktop.gui.errors import show_message

            show_message("warning", "Select a secret env var row with a name first, then set its value.")
            return
        name = item.text().strip()
        value, ok = QInputDialog.getText(
            self, "Secret value", f"Value of {name} (stored in the OS keyring only):", QLineEdit.EchoMode.Password
        )
        if ok and value:
            self.secret_requested.emit(self.slug, name, value)


def _group_faq_rows(rows: list[dict[str, Any]]) -> tuple[list[dict[str, Any]], str]:
    """CSV rows sharing an answer become one FAQ entry with other phrasings (see spec.faq)."""
    grouping = group_by_answer(rows)
    return grouping.rows, grouping.summary()


def _number(text: str) -> float | str:
    """``text`` as the float it spells (``repr`` round-trips every float exactly); text that
    is no number goes to validation as it is, which names the field."""
    try:
        return float(text)
    except ValueError:
        return text


def _esc(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


