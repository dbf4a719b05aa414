from presidio_analyzer import Pattern

from .base import CASE_INSENSITIVE, VietnamesePatternRecognizer


class EmailRecognizer(VietnamesePatternRecognizer):
    """E-mail addresses (identifiers.md §8): local part, @, domain with a TLD."""

    ENTITY = "EMAIL_ADDRESS"
    NEEDS = "@"
    FLAGS = CASE_INSENSITIVE
    PATTERNS = [
        Pattern(
            "email",
            r"(?<![\w.%+-])[a-z0-9](?:[a-z0-9._%+-]{0,63})@[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?"
            r"(?:\.[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?)*\.[a-z]{2,24}(?![\w-])",
            0.9,
        )
    ]
    # No Presidio context words: every result already clears the threshold, so context would only
    # raise scores (and force word segmentation of every text that has one).
    CONTEXT: list = []

    def invalidate_result(self, pattern_text: str) -> bool:
        local = pattern_text.split("@", 1)[0]
        return ".." in pattern_text or local.endswith(".")
