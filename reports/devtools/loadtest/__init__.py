"""The quarter-end load scenario (scripts/loadtest.sh): a Locust file and what it needs, kept with the
development tools so that the production image leaves it out (.dockerignore).

The modules the Locust processes import (figures, pages, summary, locustfile) are plain Python and never
set Django up; the database side (prepare_loadtest, check_loadtest and checks.py) runs in Django.
"""
