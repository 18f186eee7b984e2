"""Puts codegen/ on sys.path so that the tests import the package as the entry point does."""
import pathlib
import sys

CODEGEN = pathlib.Path(__file__).resolve().parents[3] / "codegen"
if str(CODEGEN) not in sys.path:
    sys.path.insert(0, str(CODEGEN))
