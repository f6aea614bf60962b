"""``python -m opsgraph …`` is the ``opsgraph`` console script."""

from opsgraph.cli import main

if __name__ == "__main__":
    main()
