"""The admin side of observability's extension hooks: actions other apps register on these changelists."""

from observability.extensions import admin_actions


class RegisteredActionsMixin:
    """Offers the actions registered for `extension_changelist` beside the admin's own."""

    extension_changelist = ""

    def get_actions(self, request):
        actions = super().get_actions(request)
        for func in admin_actions(self.extension_changelist):
            action = self.get_action(func)
            if action is not None:
                actions[action[1]] = action
        return actions
