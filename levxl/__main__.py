from levxl.cli import main

main()
