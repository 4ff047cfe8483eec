"""Business-rule regexes cannot hang the generated service (ReDoS): time limit, text cap, metric.

The checks run in a child process with a hard ceiling, because a catastrophic pattern on
Python's ``re`` never returns and cannot be interrupted from inside the process.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

from pixel_desktop.codegen import render_project, write_files
from pixel_desktop.spec import ProjectSpec

BASE = "pixel-local/python:3.11-bookworm"
HARD_CEILING_S = 60  # catches a hang only; a working limit answers in well under a second


def _service(tmp_path: Path, rules: list[dict]) -> Path:
    spec = ProjectSpec.model_validate({
        "name": "Regex Bot", "client": "Rule Corp", "business_rules": rules,
        "training_data": {"faq": [{"question": "How long does shipping take?", "answer": "Three days."}]},
    })
    dest = tmp_path / "service"
    write_files(render_project(spec, "faq-assistant", base_image=BASE), dest)
    return dest


def _run_in_service(service: Path, code: str) -> dict:
    proc = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)], cwd=service, capture_output=True, text=True,
        timeout=HARD_CEILING_S, check=False,
    )
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout.strip().splitlines()[-1])


def test_catastrophic_regex_rule_times_out_as_no_match_and_later_rules_still_answer(tmp_path):
    service = _service(tmp_path, [
        {"name": "nested", "regex": r"^(a+)+$", "reply": "Nested matched."},
        {"name": "alternation", "regex": r"^(a|aa)+$", "reply": "Alternation matched."},
        {"name": "refunds", "match": ["refund"], "reply": "Refunds take a week."},
    ])
    result = _run_in_service(service, """
        import json
        from assistant.answer import OfflineAnswerer
        from assistant.data import load_assistant_data
        from assistant.metrics import Metrics
        from assistant.service import ChatService

        metrics = Metrics("Regex Bot", "1")
        service = ChatService(load_assistant_data(), OfflineAnswerer(0.5),
                              on_rule_timeout=metrics.observe_rule_timeout)
        evil, _ = service.chat("a" * 40 + "! refund")
        plain, _ = service.chat("aaaa")
        print(json.dumps({"evil": [evil.source, evil.reply], "plain": plain.reply,
                          "metrics": metrics.render()}))
    """)
    assert result["evil"] == ["rule", "Refunds take a week."]
    assert result["plain"] == "Nested matched."  # ordinary input still matches the regex rule
    timeouts = {line.split()[0]: float(line.split()[1]) for line in result["metrics"].splitlines()
                if line.startswith("assistant_rule_regex_timeouts_total{")}
    assert sum(timeouts.values()) >= 1
    assert set(timeouts) <= {f'assistant_rule_regex_timeouts_total{{rule="{name}"}}' for name in ("nested", "alternation")}


def test_a_slow_regex_rule_uses_only_its_own_budget_and_later_regex_rules_still_answer(tmp_path):
    service = _service(tmp_path, [
        {"name": "slow", "regex": r"^(a|aa)+$", "reply": "Slow matched."},
        {"name": "refund-regex", "regex": r"\brefund(s|ed)?\b", "reply": "Refunds take a week."},
    ])
    result = _run_in_service(service, """
        import json, logging
        from assistant.data import load_assistant_data
        from assistant.metrics import Metrics
        from assistant.rules import RuleBook

        records = []
        handler = logging.Handler()
        handler.emit = lambda record: records.append(record.getMessage())
        logging.getLogger("assistant.rules").addHandler(handler)
        metrics = Metrics("Regex Bot", "1")
        book = RuleBook(load_assistant_data().rules, on_timeout=metrics.observe_rule_timeout)
        rule = book.first_match("a" * 40 + "! refund")
        print(json.dumps({"rule": rule and rule.name, "logs": records, "metrics": metrics.render()}))
    """)
    assert result["rule"] == "refund-regex"
    timeouts = [line for line in result["metrics"].splitlines()
                if line.startswith("assistant_rule_regex_timeouts_total{")]
    assert timeouts == ['assistant_rule_regex_timeouts_total{rule="slow"} 1.0']
    assert len(result["logs"]) == 1 and "'slow'" in result["logs"][0] and "no match" in result["logs"][0]


def test_regex_rules_see_only_the_first_thousand_characters(tmp_path):
    service = _service(tmp_path, [{"name": "tail", "regex": r"needle", "reply": "Found."}])
    result = _run_in_service(service, """
        import json
        from assistant.data import load_assistant_data
        from assistant.rules import REGEX_MAX_CHARS, RuleBook

        book = RuleBook(load_assistant_data().rules)
        early = book.first_match("x" * (REGEX_MAX_CHARS - 6) + "needle")
        late = book.first_match("x" * REGEX_MAX_CHARS + "needle")
        print(json.dumps({"early": early and early.name, "late": late and late.name,
                          "cap": REGEX_MAX_CHARS}))
    """)
    assert result == {"early": "tail", "late": None, "cap": 1000}
