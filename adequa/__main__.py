from adequa.cli import main

main()
