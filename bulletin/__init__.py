"""bulletin: a think tank's numbered bulletin, from Markdown to house-style PDF and DOCX."""

__version__ = "0.2.0"
