"""Checks of an issue before it is built: glyph coverage, typography, text that would be lost,
footnotes and images. `bulletin check` runs them; the pipeline refuses what they refuse."""
