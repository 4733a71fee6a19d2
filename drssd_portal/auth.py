"""Login that loses nothing: a form posted after the session expired is kept until the user is back."""

from functools import wraps

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.utils.translation import gettext as _

STASH_KEY = "unsaved_post:"


def login_required_keeping_post(view):
    """Like @login_required, but a POST from a logged-out user is stashed in the session.

    After logging in, the user is sent back to the page, which calls `restore_stashed_post`
    to show the values they had typed (not saved: they check them and save again).
    """

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if request.user.is_authenticated:
            return view(request, *args, **kwargs)
        if request.method == "POST":
            data = {key: request.POST.getlist(key) for key in request.POST if key != "csrfmiddlewaretoken"}
            request.session[STASH_KEY + request.path] = data
        return redirect_to_login(request.get_full_path())

    return wrapper


def restore_stashed_post(request):
    """The POST data stashed for this page before a login, as a QueryDict, or None."""
    from django.http import QueryDict

    data = request.session.pop(STASH_KEY + request.path, None)
    if not data:
        return None
    restored = QueryDict(mutable=True)
    for key, values in data.items():
        restored.setlist(key, values)
    messages.warning(
        request,
        _(
            "Your session had ended, so your last changes were not saved. They are shown "
            "below: check them and press Save."
        ),
    )
    return restored
