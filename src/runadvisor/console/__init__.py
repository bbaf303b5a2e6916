"""What the command line parses and prints, so that ``cli.py`` holds only commands.

One job per module:

- ``options``: option text to values (``OptionError``), runners by name
- ``filters``: the node filters of ``run`` and ``profile``, and the resume arguments
"""
