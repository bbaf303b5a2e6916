"""``python -m runadvisor``: the same command line as the ``runadvisor`` script."""

from runadvisor.cli import main

if __name__ == "__main__":
    main(prog_name="runadvisor")
