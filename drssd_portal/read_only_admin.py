"""An admin page that shows records and changes none: for records a workflow or one page of the portal writes."""

from django.contrib import admin


class ReadOnlyAdmin(admin.ModelAdmin):
    """Readable in the admin, never changed there (no add, change or delete)."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
