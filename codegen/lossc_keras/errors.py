"""Diagnostics: every refusal is a TranslationError located at a node, naming what was found and
the supported alternative; notes are remarks printed beside a translation."""


class TranslationError(Exception):
    def __init__(self, node, what, alternative):
        super().__init__(what)
        self.node, self.what, self.alternative = node, what, alternative


class Note:
    def __init__(self, node, text):
        self.node, self.text = node, text


