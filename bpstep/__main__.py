"""``python -m bpstep`` runs the command-line tool."""

from bpstep.launch import main

if __name__ == "__main__":  # not when a worker process (``bpstep variants``) imports it again
    main()
