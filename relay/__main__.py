"""python -m holdspace.relay: the same as `holdspace relay`."""

from holdspace.relay.cli import main

raise SystemExit(main())
