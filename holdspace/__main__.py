"""python -m holdspace: the same as the `holdspace` command."""

from holdspace.cli import main

raise SystemExit(main())
