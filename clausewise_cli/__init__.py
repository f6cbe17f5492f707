"""The `clausewise` command line: one console script on top of clausewise/, training/ and serving/."""

from clausewise import settings

# Before any command module imports transformers or huggingface_hub, which read the flags once at import.
settings.offline()
