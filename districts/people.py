"""How a person is named on screen, in e-mails and in PDFs: one rule for every page."""


def display_name(user) -> str:
    """The user's full name, else the login name; "" for no user (an account since deleted)."""
    if user is None:
        return ""
    return user.get_full_name() or user.username
