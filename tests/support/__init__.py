"""Tests of bulletin.support."""
