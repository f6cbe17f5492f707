"""The model folder: the one contract training writes and serving and batch read.

    save_model_dir(path, network, tokenizer, info)     # weights, tokenizer, head, clausewise.json, int8 ONNX
    info = read_info(path)                              # labels, thresholds, input settings, held-out figures
    network = load_network(path)                        # the torch classifier (fp32)

A folder holds the encoder (`save_pretrained`, safetensors, `id2label` in config.json), the tokenizer,
`classifier.safetensors` (the head), `clausewise.json` (ModelInfo, with the context stack's weights
in `extra`) and `model.int8.onnx`. The store
keeps it under MODEL_NAME; thresholds live in clausewise.json only.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path

from safetensors.torch import load_file, save_file
from transformers import AutoModel, AutoTokenizer, PreTrainedTokenizerBase

from clausewise.network import ClauseClassifier
from clausewise.onnx_backend import INT8_FILE, export_int8
from clausewise.settings import DEFAULT_TAG, MODEL_NAME  # noqa: F401 (re-exported: the store's name and tag)

QUICK = "quick"  # ModelInfo.extra["kind"]: a linear head on the frozen base encoder (training/quick.py)
FINE_TUNED = "fine-tuned"  # the whole network fine-tuned (training/train.py); folders without a kind are this
CONTEXT_STACK = "context_stack"  # ModelInfo.extra key of the fitted context stack (clausewise.context_scores)
HEAD_FILE = "classifier.safetensors"
INFO_FILE = "clausewise.json"


@dataclass
class ModelInfo:
    """What inference needs besides weights: labels, thresholds and how inputs were formatted."""

    labels: list[str]
    thresholds: list[float]
    use_heading: bool = False  # read with the section heading as context (an experiment; lost every time)
    max_length: int = 128
    extra: dict = field(default_factory=dict)
    lead_in: bool = False  # read with a list item's lead-in as context (clausewise.context)

    def __post_init__(self) -> None:
        if self.use_heading and self.lead_in:
            raise ValueError("a model reads one context: use_heading and lead_in cannot both be true")

    @property
    def context(self) -> str:
        """What the model reads before each clause: "lead-in", "heading" or "none"."""
        return "lead-in" if self.lead_in else "heading" if self.use_heading else "none"

    @property
    def paired(self) -> bool:
        """Whether inputs are (context, clause) pairs (an empty context for clauses without one)."""
        return self.lead_in or self.use_heading


def save_model_dir(
    path: str | Path, network: ClauseClassifier, tokenizer: PreTrainedTokenizerBase, info: ModelInfo, int8: bool = True
) -> Path:
    """Write the folder as served: encoder, tokenizer, head, clausewise.json and (by default) the int8 export."""
    path = Path(path)
    path.mkdir(parents=True, exist_ok=True)
    network.encoder.save_pretrained(str(path), safe_serialization=True)
    tokenizer.save_pretrained(str(path))
    save_file({k: v.detach().cpu().contiguous() for k, v in network.head.state_dict().items()}, str(path / HEAD_FILE))
    (path / INFO_FILE).write_text(json.dumps(asdict(info), indent=2), encoding="utf-8")
    if int8:
        export_int8(path, network, tokenizer)
    return path


def read_info(path: str | Path) -> ModelInfo:
    """The folder's ModelInfo; a clear error when the folder is not a model folder."""
    path = Path(path)
    if not (path / INFO_FILE).is_file():
        raise FileNotFoundError(f"{path} is not a clausewise model folder (no {INFO_FILE})")
    return ModelInfo(**json.loads((path / INFO_FILE).read_text(encoding="utf-8")))


def load_tokenizer(path: str | Path) -> PreTrainedTokenizerBase:
    return AutoTokenizer.from_pretrained(str(path))


def load_network(path: str | Path, n_labels: int) -> ClauseClassifier:
    """The fp32 torch classifier of a model folder."""
    network = ClauseClassifier(AutoModel.from_pretrained(str(path)), n_labels)
    network.head.load_state_dict(load_file(str(Path(path) / HEAD_FILE)))
    return network


def int8_path(path: str | Path) -> Path | None:
    """The folder's int8 ONNX file, or None when it was stored without one."""
    p = Path(path) / INT8_FILE
    return p if p.is_file() else None
