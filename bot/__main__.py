"""`python -m bot` is the `nianbao` command."""

import sys

from bot.cli import main

sys.exit(main())
