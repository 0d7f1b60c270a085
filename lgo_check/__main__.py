import sys

from lgo_check.cli import main

sys.exit(main())
