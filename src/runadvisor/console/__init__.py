"""What the command line parses and prints, so that ``cli.py`` holds only commands.

One job per module:

- ``options``: option text to values (``OptionError``), runners by name
- ``filters``: the node filters of ``run`` and ``profile``, and the resume arguments
- ``output``: the consoles, one-line messages, the progress bar and its observer
- ``errors``: exceptions to one-line messages and exit codes
- ``execution``: load a target, run it or advise on it behind a progress bar
- ``files``: where profiles and reports go, and writing reports
- ``tables``: the profile and candidate tables
- ``summaries``: what ``run``, ``profile`` and ``advise`` print when they finish
"""
