"""``python -m lstmkit.cli ...`` (as torchrun runs it): the same as the ``lstmkit`` script."""

import sys

from lstmkit.cli import main

sys.exit(main())
