"""python -m relay: the same as `holdspace relay`."""

from relay.cli import main

raise SystemExit(main())
