# ---- signing in with Entra ID (Azure AD) --------------------------------------------------
# Recipe from mappa-audit (docs/deploy.md, "Signing in with your organisation's accounts").
# People sign in with their organisation account; the app roles (or groups) Entra ID puts in
# their token decide their hub group, at every sign-in. Nobody has a hub password, so
# `mappa-audit hub user add` is not used.
#
# In Entra ID: register an application with the redirect URI
# https://<your hub>/hub/oauth_callback, give it a client secret, and declare three app roles
# (values below: MappaAudit.Board, MappaAudit.Auditors, MappaAudit.Admins); then assign
# people, or whole groups, to them ("Enterprise applications" > the app > "Users and
# groups"). Put its four settings in the hub's environment, not in this file (with systemd:
# an EnvironmentFile readable by the hub's user only); the hub will not start without them.
#
# Needs OAuthenticator in the hub's environment: .venv/bin/pip install "oauthenticator>=17.4,<18"
import os

c = get_config()  # noqa: F821 (JupyterHub provides get_config; the same c as above)


def from_the_environment(name):
    """A setting the hub's environment gives (a secret, or one kept with it)."""
    if not os.environ.get(name):
        msg = f"jupyterhub_config.py: set {name} in the hub's environment"
        raise SystemExit(msg)
    return os.environ[name]


ENTRA_ID_GROUPS = {
    # what the token carries (an app role's value, or a group's object id) -> the hub group
    "MappaAudit.Board": "board",
    "MappaAudit.Auditors": "auditors",
    "MappaAudit.Admins": "admins",
}


def mappa_groups_from_entra_id(auth_state):
    """The hub groups of a person, from the app roles and groups in their ID token."""
    claims = auth_state["user"]  # the ID token's claims, as AzureAdOAuthenticator keeps them
    theirs = [*claims.get("roles", []), *claims.get("groups", [])]
    return sorted({ENTRA_ID_GROUPS[name] for name in theirs if name in ENTRA_ID_GROUPS})


c.JupyterHub.authenticator_class = "azuread"
c.AzureAdOAuthenticator.tenant_id = from_the_environment("AAD_TENANT_ID")  # directory id
c.AzureAdOAuthenticator.client_id = from_the_environment("OAUTH_CLIENT_ID")  # application id
c.AzureAdOAuthenticator.client_secret = from_the_environment("OAUTH_CLIENT_SECRET")
# https://<your hub>/hub/oauth_callback, as registered in Entra ID
c.AzureAdOAuthenticator.oauth_callback_url = from_the_environment("OAUTH_CALLBACK_URL")
c.AzureAdOAuthenticator.scope = ["openid", "profile", "email"]
# the sign-in name (j.smith@agency.gov.uk) rather than the display name, which is not unique
c.AzureAdOAuthenticator.username_claim = "preferred_username"
# the organisation decides the groups: they are set anew at every sign-in, and whoever is in
# none of ours is refused
c.AzureAdOAuthenticator.manage_groups = True
c.AzureAdOAuthenticator.auth_state_groups_key = mappa_groups_from_entra_id
c.AzureAdOAuthenticator.allowed_groups = {"board", "auditors", "admins"}
c.Authenticator.allow_all = False
c.JupyterHub.load_groups = {}  # JupyterHub refuses them when the authenticator manages groups
