"""``python -m mappa_audit`` runs the command line."""

from mappa_audit._cli import main

if __name__ == "__main__":
    main()
