"""Files: fitted models (safetensors), pickling, atomic writes, and reading older versions' files."""
