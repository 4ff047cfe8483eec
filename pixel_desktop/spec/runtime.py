"""What the generated service reads from its environment at run time, known from the spec.

Why here and not in deploy/: the build's container test and the deploy both decide what an
unset secret means (a refusal when the service reads it, a plain note when it does not), and
the build layer sits below deploy; the rule depends only on the spec.
"""

from __future__ import annotations

from pixel_desktop.spec.model import ProjectSpec


def used_secret_env(spec: ProjectSpec) -> frozenset[str]:
    """The secret env names the generated service actually reads at run time.

    Why not every declared name: the templates (build-templates/) read one secret, the LLM
    API key named by ``llm.api_key_env``, and only when ``llm.provider`` calls an LLM. The
    sample declares LLM_API_KEY with ``provider: none``; refusing to deploy it for a value
    nothing reads sent every new user to the keyring first.
    """
    llm = spec.llm
    if llm.provider != "none" and llm.api_key_env and llm.api_key_env in spec.deployment.secret_env:
        return frozenset({llm.api_key_env})
    return frozenset()
