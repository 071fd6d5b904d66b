from releasegate.launch import main

raise SystemExit(main())
