"""`python -m mockserver run ...`."""

import sys

from mockserver.cli import main

sys.exit(main())
