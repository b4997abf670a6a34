"""The screens of the web console, one module each; every handler checks the member's role
and municipality through ``StaffGuard`` and leaves the work to the existing services."""
