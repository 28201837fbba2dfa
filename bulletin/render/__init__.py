"""Renderers: each turns a model.Issue into the bytes of one format."""
