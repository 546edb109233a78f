"""Networks only: tensors in, tensors out. Build them by name with ``build``."""

from lstmkit.models.registry import ARCHITECTURES, build

__all__ = ["ARCHITECTURES", "build"]
