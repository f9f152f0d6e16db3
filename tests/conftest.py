"""Settings for every in-process test, set before any chalicelib module reads them."""

from local.sandbox import use_in_process_env

use_in_process_env()
