"""Two-step login (TOTP authenticator + recovery codes): rules, middleware, pages."""
