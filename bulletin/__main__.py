"""`python -m bulletin`: the same command line as the `bulletin` script."""
import sys

from bulletin.cli import main

sys.exit(main())
