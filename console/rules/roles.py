"""Who may do what: the one list of roles, kept free of imports so the CLI's
argument parser can read it for nothing. Enforced in the desk services
(`Desk.require`), not only by hiding screens."""

ROLES = ("handler", "reception", "team_lead", "admin")
HANDLERS = ROLES  # everyone signed in takes calls, visitors and post
LEADS = ("team_lead", "admin")
ADMINS = ("admin",)

# The role as people read it.
ROLE_WORDS = {
    "handler": "handler",
    "reception": "reception",
    "team_lead": "team lead",
    "admin": "admin",
}
