"""What every stage leans on: the house fonts, the project boundary and folders, the on-disk
cache, and messages in the reader's language."""
