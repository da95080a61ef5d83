# ---- signing in with LDAP (Active Directory, OpenLDAP) ------------------------------------
# Recipe from mappa-audit (docs/deploy.md, "Signing in with your organisation's accounts").
# People sign in with their directory name and password; the directory groups they are
# members of decide their hub group, at every sign-in. Nobody has a hub password, so
# `mappa-audit hub user add` is not used.
#
# Fill in the settings below for your directory. The password of the account that looks
# people up goes in the hub's environment as MAPPA_LDAP_LOOKUP_PASSWORD, not in this file
# (with systemd: an EnvironmentFile readable by the hub's user only); the hub will not start
# without it.
#
# Needs LDAPAuthenticator in the hub's environment:
# .venv/bin/pip install "jupyterhub-ldapauthenticator>=2.0.2,<2.1"
import os

c = get_config()  # noqa: F821 (JupyterHub provides get_config; the same c as above)


def from_the_environment(name):
    """A setting the hub's environment gives (a secret, or one kept with it)."""
    if not os.environ.get(name):
        msg = f"jupyterhub_config.py: set {name} in the hub's environment"
        raise SystemExit(msg)
    return os.environ[name]


LDAP_SERVER = "ldap.example.gov.uk"
LDAP_PEOPLE = "ou=people,dc=example,dc=gov,dc=uk"
"""Where people's entries are."""
LDAP_NAME_ATTRIBUTE = "sAMAccountName"
"""The attribute people sign in with: sAMAccountName (Active Directory) or uid (OpenLDAP)."""
LDAP_LOOKUP_ACCOUNT = "cn=mappa-hub,ou=services,dc=example,dc=gov,dc=uk"
"""The account that finds a person's entry from the name they type."""
LDAP_GROUPS = {
    # a directory group's DN -> the hub group its members are in
    "cn=mappa-board,ou=groups,dc=example,dc=gov,dc=uk": "board",
    "cn=mappa-auditors,ou=groups,dc=example,dc=gov,dc=uk": "auditors",
    "cn=mappa-admins,ou=groups,dc=example,dc=gov,dc=uk": "admins",
}


def mappa_groups_from_ldap(authenticator, handler, authentication):
    """Put the person in the hub groups of the directory groups they are a member of.

    LDAPAuthenticator checks membership of each group in ``allowed_groups`` and lists those
    that have the person in ``auth_state["ldap_groups"]``; JupyterHub then sets the person's
    groups to ``authentication["groups"]`` (``manage_groups``)."""
    theirs = authentication["auth_state"]["ldap_groups"]
    authentication["groups"] = sorted({LDAP_GROUPS[dn] for dn in theirs if dn in LDAP_GROUPS})
    return authentication


c.JupyterHub.authenticator_class = "ldapauthenticator.LDAPAuthenticator"
c.LDAPAuthenticator.server_address = LDAP_SERVER
c.LDAPAuthenticator.tls_strategy = "on_connect"  # LDAPS, port 636
c.LDAPAuthenticator.lookup_dn = True
c.LDAPAuthenticator.user_search_base = LDAP_PEOPLE
c.LDAPAuthenticator.user_attribute = LDAP_NAME_ATTRIBUTE
c.LDAPAuthenticator.lookup_dn_user_dn_attribute = "cn"
c.LDAPAuthenticator.lookup_dn_search_user = LDAP_LOOKUP_ACCOUNT
c.LDAPAuthenticator.lookup_dn_search_password = from_the_environment(
    "MAPPA_LDAP_LOOKUP_PASSWORD")
c.LDAPAuthenticator.use_lookup_dn_username = False  # the hub name is the name they typed,
# in lower case: let them type it as they do elsewhere (J.Smith); LDAPAuthenticator's own rule
# takes lower case only
c.LDAPAuthenticator.valid_username_regex = r"^[A-Za-z][.A-Za-z0-9_-]*$"
# only members of one of these groups may sign in; the hook maps them to hub groups
c.LDAPAuthenticator.allowed_groups = list(LDAP_GROUPS)
c.LDAPAuthenticator.post_auth_hook = mappa_groups_from_ldap
c.LDAPAuthenticator.manage_groups = True
c.Authenticator.allow_all = False
c.JupyterHub.load_groups = {}  # JupyterHub refuses them when the authenticator manages groups
