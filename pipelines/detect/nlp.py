"""The spaCy pipeline behind Presidio for Vietnamese: blank `vi` (pyvi word segmentation) + lemmas.

Presidio's SpacyNlpEngine loads a model by name or path, and nothing may be downloaded at run
time, so the blank pipeline ships saved as package data (``pipelines/detect/spacy_vi``, rebuilt with
``python -m pipelines.detect.nlp``); ``ANDANH_SPACY_MODEL`` points elsewhere, and a copy without the
package data builds it once under ``~/.cache/andanh``. The only component sets
`token.lemma_` to the NFC lower-case form, which is what Presidio's LemmaContextAwareEnhancer
compares with the recognizers' context words.
"""
from __future__ import annotations

import shutil
import tempfile
import unicodedata
from pathlib import Path

import spacy
from presidio_analyzer.nlp_engine import NerModelConfiguration, SpacyNlpEngine
from spacy.language import Language

LANGUAGE = "vi"
LEMMA_COMPONENT = "andanh_vi_lemma"
# Bump when the saved pipeline changes, so old caches are not reused.
PIPELINE_VERSION = "1"


@Language.component(LEMMA_COMPONENT)
def set_lower_nfc_lemmas(doc):
    for token in doc:
        token.lemma_ = unicodedata.normalize("NFC", token.text).lower()
    return doc


PACKAGED_MODEL = Path(__file__).with_name("spacy_vi")


def default_model_path() -> Path:
    """``ANDANH_SPACY_MODEL``, else the pipeline shipped in the package, else a per-user cache."""
    from pipelines.settings import get_settings
    configured = get_settings().spacy_model
    if configured:
        return Path(configured)
    if (PACKAGED_MODEL / "config.cfg").is_file():
        return PACKAGED_MODEL
    return Path.home() / ".cache" / "andanh" / f"spacy-vi-{spacy.__version__}-v{PIPELINE_VERSION}"


def build_pipeline() -> Language:
    nlp = spacy.blank(LANGUAGE)
    nlp.add_pipe(LEMMA_COMPONENT)
    nlp.meta.update({"name": "andanh_vi", "version": f"{PIPELINE_VERSION}.0.0", "license": "Apache-2.0",
                     "description": "blank Vietnamese pipeline (pyvi segmentation) with NFC lower-case lemmas"})
    return nlp


def ensure_model(path: Path | str | None = None) -> Path:
    """Return the pipeline directory, building and saving it first if it is missing."""
    target = Path(path) if path else default_model_path()
    if (target / "config.cfg").is_file():
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    # Build beside the target and rename, so concurrent processes never load a half-written model.
    staging = Path(tempfile.mkdtemp(prefix=target.name + ".", dir=target.parent))
    try:
        build_pipeline().to_disk(staging)
        try:
            staging.rename(target)
        except OSError:
            if not (target / "config.cfg").is_file():
                raise
    finally:
        if staging.exists():
            shutil.rmtree(staging, ignore_errors=True)
    return target


class VietnameseNlpEngine(SpacyNlpEngine):
    """SpacyNlpEngine for the blank Vietnamese pipeline.

    spaCy's Vietnamese stop-word list holds the very words our context relies on ("số", "ông",
    "bà", "tuổi"), and Presidio drops stop words from the context window, so none are stop words here.
    """

    def __init__(self, model_path: Path | str):
        super().__init__(
            models=[{"lang_code": LANGUAGE, "model_name": str(model_path)}],
            ner_model_configuration=NerModelConfiguration(),
        )

    def is_stopword(self, word: str, language: str) -> bool:
        return False


if __name__ == "__main__":  # rebuild the packaged pipeline: python -m pipelines.detect.nlp
    shutil.rmtree(PACKAGED_MODEL, ignore_errors=True)
    build_pipeline().to_disk(PACKAGED_MODEL)
    print(PACKAGED_MODEL)
