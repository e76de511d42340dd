from rest_framework import permissions


class IsPersonAccount(permissions.BasePermission):
    """The API's default: a logged-in person (merchant staff or bank staff).

    The payment-server account feeds transactions and does nothing else: only views that name
    transactions.api.IsPaymentServer let it in.
    """

    message = "Not allowed for this user."

    def has_permission(self, request, view):
        user = request.user
        return bool(user and user.is_authenticated and not user.is_payment_server)
