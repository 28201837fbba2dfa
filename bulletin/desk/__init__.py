"""The editor's desk: live preview, page images, and a house's own project (init, templates)."""
