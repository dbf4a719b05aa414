"""AnDanh: de-identification and publishing pipeline for Vietnamese KCB (XML 130) data."""

__version__ = "0.1.0"
