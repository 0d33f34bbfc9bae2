"""The desks of the console: the one list, kept free of imports so the CLI's
argument parser and the app's first frame can read it for nothing."""

# In F-key order (F2 onwards), with the title people see. The UI finds each desk
# in screens/desks/<name>.py; `run --desk` and `serve --desk` take these names.
DESKS: dict[str, str] = {
    "calls": "Calls",
    "reception": "Reception",
    "queue": "Queue",
    "customers": "Customers & post",
    "reports": "Reports",
    "staff": "Staff & audit",
}
