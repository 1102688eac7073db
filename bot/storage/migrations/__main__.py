"""`python -m bot.storage.migrations revision "what changes"`: write the next revision (docs/migrations.md)."""

import sys

from bot.storage.migrate import new_revision

if len(sys.argv) != 3 or sys.argv[1] != "revision":
    sys.exit('usage: python -m bot.storage.migrations revision "what changes"')
print(new_revision(sys.argv[2]))
