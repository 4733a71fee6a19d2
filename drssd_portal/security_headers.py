"""Headers that limit what a page may load and use, added to every response.

Content-Security-Policy: everything from our own origin only (the portal serves its own Bootstrap,
plotly.js and fonts), no inline or injected script at all (the pages' JavaScript is in static/js, data
for charts is JSON in <script type="application/json">), no framing, forms post only to us. Styles
allow 'unsafe-inline' because plotly.js writes its own <style> element when it draws a chart.
Permissions-Policy: none of the browser's sensors or devices.
"""

CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self' 'unsafe-inline'",
        "img-src 'self' data: blob:",
        "font-src 'self' data:",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)
PERMISSIONS_POLICY = ", ".join(
    f"{feature}=()"
    for feature in ("camera", "microphone", "geolocation", "payment", "usb", "serial", "bluetooth", "interest-cohort")
)


class SecurityHeadersMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        response.headers.setdefault("Permissions-Policy", PERMISSIONS_POLICY)
        return response
