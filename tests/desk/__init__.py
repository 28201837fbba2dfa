"""Tests of bulletin.desk."""
