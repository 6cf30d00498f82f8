"""The bundle's entry point (PyInstaller runs this file as __main__)."""

import multiprocessing
import sys

from inbox.cli.main import main

if __name__ == "__main__":
    # The window stores sync batches in a 'spawn' worker process (engine/ingest_worker.py):
    # in a bundle that child is this executable again, and this call makes it the worker.
    multiprocessing.freeze_support()
    sys.exit(main())
