"""bulletin: a think tank's numbered bulletin, from Markdown to house-style PDF and DOCX."""
from pathlib import Path

__version__ = "0.2.0"

#: the installed package's folder: its templates/, fonts/, locale/ and skeleton/ ship inside it
PACKAGE_DIR = Path(__file__).resolve().parent
