from minirg.cli import main

raise SystemExit(main())
