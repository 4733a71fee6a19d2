"""API tokens in the admin: an administrator issues one to a user (the key is shown once) and revokes it."""

from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from reports.exchange import tokens
from reports.exchange.models import ApiToken


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ["name", "user", "prefix", "created_at", "last_used_at", "revoked_at"]
    list_filter = ["revoked_at"]
    search_fields = ["name", "user__username", "prefix"]
    autocomplete_fields = ["user"]
    actions = ["revoke"]

    def get_fields(self, request, obj=None):
        return (
            ["user", "name"] if obj is None else ["user", "name", "prefix", "created_at", "last_used_at", "revoked_at"]
        )

    def get_readonly_fields(self, request, obj=None):
        return [] if obj is None else ["user", "prefix", "created_at", "last_used_at", "revoked_at"]

    def save_model(self, request, obj, form, change):
        if change:
            super().save_model(request, obj, form, change)
            return
        token, key = tokens.issue(user=obj.user, name=obj.name, by=request.user)
        obj.pk = token.pk
        messages.warning(
            request,
            _("The key of this token, shown once (copy it now; only a hash is kept): %(key)s") % {"key": key},
        )

    def has_delete_permission(self, request, obj=None):
        return False  # revoke instead: the record of who had access stays

    @admin.action(description=_("Revoke the selected tokens"))
    def revoke(self, request, queryset):
        count = 0
        for token in queryset.filter(revoked_at__isnull=True):
            tokens.revoke(token)
            count += 1
        self.message_user(
            request, ngettext("%(count)d token revoked.", "%(count)d tokens revoked.", count) % {"count": count}
        )
