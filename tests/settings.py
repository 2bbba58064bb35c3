"""Settings for the test suite: the embedded development configuration.

The real settings default to production (DEBUG off, a SECRET_KEY required); the tests run
the development configuration unless the environment says otherwise. Tests of production
behaviour start a process with tracker.settings and the environment they need.
"""

import os

os.environ.setdefault("DEBUG", "true")

from tracker.settings import *  # noqa: E402, F403
