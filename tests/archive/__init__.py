"""Tests of bulletin.archive."""
