"""localstripe for the tests (``python -m tests.localstripe_server PORT``): its store in memory only.

As shipped it pickles its whole store to /tmp/localstripe.pickle after every write, one file for every
instance on the machine; the tests start one of their own per run and need none of it kept.
"""

import sys

from localstripe import resources, server

resources.Store.dump_to_disk = lambda self: None  # type: ignore[method-assign]

if __name__ == "__main__":
    sys.argv = ["localstripe", "--port", sys.argv[1], "--from-scratch"]
    server.start()
