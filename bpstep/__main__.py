"""``python -m bpstep`` runs the command-line tool."""

from bpstep.launch import main

main()
