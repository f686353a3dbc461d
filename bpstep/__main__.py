"""``python -m bpstep`` runs the command-line tool."""

from bpstep.cli import main

main()
