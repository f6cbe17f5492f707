"""`python -m clausewise_cli` is the `clausewise` console script."""

import sys

from clausewise_cli.main import main

sys.exit(main())
