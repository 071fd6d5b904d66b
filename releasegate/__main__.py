from releasegate.cli import main

raise SystemExit(main())
