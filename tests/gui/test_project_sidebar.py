"""Projects sidebar: grouped by client, counted, a refused switch puts the selection back."""

from __future__ import annotations

from dataclasses import dataclass

from pixel_desktop.gui.project_sidebar import ProjectSidebar, count_text


@dataclass
class Project:
    slug: str
    name: str
    client: str
    template: str = "faq-bot"
    version: int = 1


def test_projects_are_grouped_by_client_and_counted(qtbot) -> None:
    sidebar = ProjectSidebar()
    qtbot.addWidget(sidebar)
    chosen: list[str] = []
    sidebar.project_chosen.connect(lambda slug, _previous: chosen.append(slug))
    projects = [Project("a", "A bot", "Acme"), Project("b", "B bot", "Acme"), Project("c", "C bot", "Globex")]
    assert sidebar.show_projects(projects, wanted="b")
    assert [sidebar.tree.topLevelItem(i).text(0) for i in range(2)] == ["Acme", "Globex"]
    assert sidebar.tree.topLevelItem(0).childCount() == 2
    assert sidebar.count_label.text() == "3 projects · 2 clients"
    assert chosen == ["b"]
    assert not sidebar.select("missing")
    previous = sidebar.tree.currentItem()
    assert sidebar.select("c") and chosen == ["b", "c"]
    sidebar.revert(previous)
    assert sidebar.tree.currentItem() is previous and chosen == ["b", "c"]  # not reported again


def test_count_text_is_singular_for_one() -> None:
    assert count_text(1, 1) == "1 project · 1 client"
    assert count_text(0, 0) == "0 projects · 0 clients"
