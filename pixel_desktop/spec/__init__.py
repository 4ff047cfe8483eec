"""Project spec: model, validation and YAML import/export."""

from pixel_desktop.spec.model import ProjectSpec, slugify
from pixel_desktop.spec.yaml_io import dump_spec, load_spec_file, load_spec_text, spec_from_data

__all__ = ["ProjectSpec", "dump_spec", "load_spec_file", "load_spec_text", "slugify", "spec_from_data"]
