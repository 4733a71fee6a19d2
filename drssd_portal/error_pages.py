"""The portal's own 404 and 500 pages during a DEBUG run when FRIENDLY_ERROR_PAGES is on (the demo).

With DEBUG, Django answers a missing page or an error with its technical page (URL patterns, settings,
tracebacks): right for a developer, confusing for someone trying the demo. scripts/run-demo.sh keeps DEBUG
(static files, no secret key to set) but turns this on, so a newcomer meets the same pages, in the same
language, as a user of the production portal. Without DEBUG, Django renders these templates itself.
"""

from django.conf import settings
from django.http import HttpResponseServerError
from django.template.loader import render_to_string
from django.views.defaults import page_not_found


class FriendlyErrorPagesMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if not (settings.DEBUG and settings.FRIENDLY_ERROR_PAGES):
            return response
        if not response.get("Content-Type", "").startswith("text/html"):
            return response
        if response.status_code == 404 and not getattr(response, "portal_page", False):
            return self._mark(page_not_found(request, exception=None))
        if response.status_code == 500 and not getattr(response, "portal_page", False):
            return self._mark(HttpResponseServerError(render_to_string("500.html")))
        return response

    @staticmethod
    def _mark(response):
        response.portal_page = True
        return response
