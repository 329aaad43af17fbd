from action_gateway.cli import main

raise SystemExit(main())
