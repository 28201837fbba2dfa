"""Tests of bulletin.checks."""
