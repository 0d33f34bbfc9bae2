"""One family of errors whose messages a person can act on.

Screens and the CLI show `str(error)` as it is; never a traceback.
"""


class FrontDeskError(Exception):
    """Base of every error the core raises on purpose."""


class ProfileError(FrontDeskError):
    """A policy profile is missing or broken: names the file, the key and the problem."""


class InputError(FrontDeskError):
    """Bad input to a desk service: says what to fix. Nothing was written."""


class NotFound(InputError):
    """A reference (customer, task, staff member) that does not exist."""


class PermissionDenied(FrontDeskError):
    """The signed-in staff member's role does not allow this."""


class SignInError(FrontDeskError):
    """Wrong PIN, unknown login, or a login locked after too many tries."""


class StoreError(FrontDeskError):
    """The database cannot be opened or written: read-only, locked, corrupt, missing folder."""


class LandlordError(FrontDeskError):
    """A database opened under another landlord's profile than the one it records."""
