"""`python -m bot` is the `nianbao` command."""

import sys

from bot.channels.cli.commands import main

sys.exit(main())
