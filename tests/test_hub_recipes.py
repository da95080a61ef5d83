"""The sign-in recipes of ``hub init --auth entra|ldap``, loaded into a real JupyterHub.

Each test writes a deployment as ``hub init`` does, loads its ``jupyterhub_config.py`` the
way JupyterHub does (``JupyterHub.load_config_file``), makes the authenticator the
configuration names (the real OAuthenticator or LDAPAuthenticator class), and signs a person
in through its whole code path, with only the identity provider faked: Entra ID's token
response, an in-memory LDAP directory (ldap3's mock). No network.
"""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path
from typing import Any

import jwt
import ldap3
import pytest
from jupyterhub.app import JupyterHub
from jupyterhub.handlers.login import LogoutHandler
from ldapauthenticator import LDAPAuthenticator
from oauthenticator.azuread import AzureAdOAuthenticator
from oauthenticator.oauth2 import _serialize_state

from mappa_audit._hub import init_hub

from _support import mappa, mappa_in_process

HUB_GROUPS = {"board", "auditors", "admins"}


def load_hub(tmp_path: Path, auth: str) -> JupyterHub:
    """A JupyterHub with the deployment's configuration loaded, as ``hub start`` loads it."""
    runs = tmp_path / "runs"
    runs.mkdir()
    # any executable stands in for configurable-http-proxy: nothing is started
    config = init_hub(tmp_path / "state", runs, auth=auth, proxy=Path(sys.executable))
    hub = JupyterHub()
    hub.load_config_file(str(config))
    return hub


@pytest.fixture(autouse=True)
def _logout_handler_restored(monkeypatch: pytest.MonkeyPatch) -> None:
    """The configuration wraps the hub's sign-out (it runs in this process here)."""
    monkeypatch.setattr(LogoutHandler, "_backend_logout_cleanup",
                        LogoutHandler._backend_logout_cleanup)


def assert_every_hub_group_has_its_role(hub: JupyterHub) -> None:
    """What the recipe maps to is what the roles give rights to."""
    with_roles = {group for role in hub.load_roles for group in role.get("groups", [])}
    assert with_roles == HUB_GROUPS


# ---- Entra ID ---------------------------------------------------------------------------------

CLIENT_ID = "11111111-2222-3333-4444-555555555555"


@pytest.fixture
def entra_id(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> JupyterHub:
    monkeypatch.setenv("AAD_TENANT_ID", "99999999-8888-7777-6666-555555555555")
    monkeypatch.setenv("OAUTH_CLIENT_ID", CLIENT_ID)
    monkeypatch.setenv("OAUTH_CLIENT_SECRET", "not-a-real-secret")
    monkeypatch.setenv("OAUTH_CALLBACK_URL", "https://mappa.example.gov.uk/hub/oauth_callback")
    return load_hub(tmp_path, "entra")


class CallbackHandler:
    """What OAuthenticator reads of the hub's /hub/oauth_callback request."""

    def get_argument(self, name: str) -> str:
        assert name == "code"
        return "the-code-entra-id-sent-back"

    def get_state_cookie(self) -> str:
        return _serialize_state({"state_id": "s", "code_verifier": "v" * 43})


def sign_in_with_entra_id(hub: JupyterHub, claims: dict[str, Any]) -> dict[str, Any] | None:
    """The hub's sign-in with OAuthenticator, Entra ID's token response faked."""
    authenticator = hub.authenticator_class(parent=hub)
    id_token = jwt.encode({"aud": CLIENT_ID, "iss": "https://login.microsoftonline.com/t/v2.0",
                           **claims}, "a-key-entra-id-would-sign-with-" + "x" * 32,
                          algorithm="HS256")

    async def token_response(handler: object, params: dict[str, Any]) -> dict[str, Any]:
        assert params["code"] == "the-code-entra-id-sent-back"
        return {"access_token": "at", "token_type": "Bearer", "id_token": id_token,
                "scope": "openid profile email"}

    authenticator.get_token_info = token_response
    result: dict[str, Any] | None = asyncio.run(
        authenticator.get_authenticated_user(CallbackHandler(), None))
    return result


def test_the_entra_id_recipe_configures_oauthenticator(entra_id: JupyterHub) -> None:
    assert entra_id.authenticator_class is AzureAdOAuthenticator
    authenticator = entra_id.authenticator_class(parent=entra_id)
    assert authenticator.tenant_id == "99999999-8888-7777-6666-555555555555"
    assert authenticator.client_id == CLIENT_ID
    assert authenticator.manage_groups
    assert authenticator.allowed_groups == HUB_GROUPS
    assert not authenticator.allow_all
    assert entra_id.load_groups == {}  # JupyterHub refuses them with managed groups
    assert_every_hub_group_has_its_role(entra_id)


@pytest.mark.parametrize(("roles", "groups", "hub_groups"), [
    # an app role assigned to the person
    (["MappaAudit.Board"], [], ["board"]),
    (["MappaAudit.Auditors"], [], ["auditors"]),
    # two roles (a board member who also manages accounts); roles of other apps ignored
    (["MappaAudit.Board", "MappaAudit.Admins", "Payroll.Reader"], [], ["admins", "board"]),
    # a security group's object id (the groups claim) that is not mapped: nothing
    (["MappaAudit.Auditors"], ["0f8fad5b-d9cb-469f-a165-70867728950e"], ["auditors"]),
])
def test_entra_id_app_roles_decide_the_hub_groups(
        entra_id: JupyterHub, roles: list[str], groups: list[str],
        hub_groups: list[str]) -> None:
    signed_in = sign_in_with_entra_id(entra_id, {
        "preferred_username": "J.Smith@Agency.gov.uk", "name": "Jo Smith",
        "roles": roles, "groups": groups})
    assert signed_in is not None
    assert signed_in["name"] == "j.smith@agency.gov.uk"
    assert signed_in["groups"] == hub_groups


@pytest.mark.parametrize("claims", [
    # in the organisation, but given none of the app's roles
    {"roles": ["Payroll.Reader"]},
    # no roles or groups in the token at all
    {},
])
def test_entra_id_refuses_someone_in_none_of_the_hub_groups(
        entra_id: JupyterHub, claims: dict[str, Any]) -> None:
    assert sign_in_with_entra_id(
        entra_id, {"preferred_username": "someone@agency.gov.uk", **claims}) is None


# ---- LDAP -------------------------------------------------------------------------------------

BASE = "dc=example,dc=gov,dc=uk"
LOOKUP = f"cn=mappa-hub,ou=services,{BASE}"
BOARD_GROUP = f"cn=mappa-board,ou=groups,{BASE}"
AUDITORS_GROUP = f"cn=mappa-auditors,ou=groups,{BASE}"
PEOPLE = {
    # sAMAccountName: (password, the directory groups they are members of)
    "jsmith": ("board-pw", [BOARD_GROUP]),
    "aaudit": ("auditor-pw", [AUDITORS_GROUP]),
    "payroll": ("payroll-pw", [f"cn=payroll,ou=groups,{BASE}"]),
}


@pytest.fixture
def ldap(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> JupyterHub:
    monkeypatch.setenv("MAPPA_LDAP_LOOKUP_PASSWORD", "lookup-pw")
    return load_hub(tmp_path, "ldap")


def directory() -> ldap3.Server:
    """An in-memory directory: the lookup account, three people, their groups."""
    server = ldap3.Server("directory")
    writer = ldap3.Connection(server, client_strategy=ldap3.MOCK_SYNC)
    writer.strategy.add_entry(LOOKUP, {"cn": "mappa-hub", "userPassword": "lookup-pw"})
    members: dict[str, list[str]] = {}
    for name, (password, groups) in PEOPLE.items():
        dn = f"cn={name},ou=people,{BASE}"
        writer.strategy.add_entry(dn, {"cn": name, "sAMAccountName": name,
                                       "userPassword": password})
        for group in groups:
            members.setdefault(group, []).append(dn)
    for group, dns in members.items():
        writer.strategy.add_entry(group, {"cn": group.split(",")[0][3:], "member": dns})
    return server


def sign_in_with_ldap(hub: JupyterHub, name: str, password: str) -> dict[str, Any] | None:
    """The hub's sign-in with LDAPAuthenticator, against the in-memory directory."""
    authenticator = hub.authenticator_class(parent=hub)
    server = directory()
    binds: list[str] = []

    def connect(userdn: str, password: str) -> ldap3.Connection | None:
        binds.append(userdn)
        connection = ldap3.Connection(server, user=userdn, password=password,
                                      client_strategy=ldap3.MOCK_SYNC)
        return connection if connection.bind() else None

    authenticator.get_connection = connect
    result: dict[str, Any] | None = asyncio.run(
        authenticator.get_authenticated_user(None, {"username": name, "password": password}))
    if result is not None:
        assert binds[0] == LOOKUP  # the lookup account found the person's entry first
    return result


def test_the_ldap_recipe_configures_ldapauthenticator(ldap: JupyterHub) -> None:
    assert ldap.authenticator_class is LDAPAuthenticator
    authenticator = ldap.authenticator_class(parent=ldap)
    assert authenticator.lookup_dn
    assert authenticator.lookup_dn_search_password == "lookup-pw"
    assert authenticator.tls_strategy.name == "on_connect"  # LDAPS: no password in clear
    assert authenticator.manage_groups
    assert set(authenticator.allowed_groups) == {
        BOARD_GROUP, AUDITORS_GROUP, f"cn=mappa-admins,ou=groups,{BASE}"}
    assert not authenticator.allow_all
    assert ldap.load_groups == {}
    assert_every_hub_group_has_its_role(ldap)


@pytest.mark.parametrize(("name", "hub_groups"), [
    ("jsmith", ["board"]),  # member of cn=mappa-board
    ("JSmith", ["board"]),  # the hub's name is lower case, whatever was typed
    ("aaudit", ["auditors"]),  # member of cn=mappa-auditors
])
def test_ldap_group_membership_decides_the_hub_groups(
        ldap: JupyterHub, name: str, hub_groups: list[str]) -> None:
    signed_in = sign_in_with_ldap(ldap, name, PEOPLE[name.lower()][0])
    assert signed_in is not None
    assert signed_in["name"] == name.lower()
    assert signed_in["groups"] == hub_groups


@pytest.mark.parametrize(("name", "password"), [
    ("payroll", "payroll-pw"),  # in the directory, in none of the mapped groups
    ("jsmith", "wrong-password"),  # a board member with the wrong password
    ("nobody", "any-password"),  # not in the directory
    ("jsmith)(cn=*", "board-pw"),  # an LDAP filter injection: refused by the name check
])
def test_ldap_refuses(ldap: JupyterHub, name: str, password: str) -> None:
    assert sign_in_with_ldap(ldap, name, password) is None


def test_hub_init_auth_names_the_recipes(tmp_path: Path) -> None:
    (tmp_path / "runs").mkdir()
    result = mappa_in_process("hub", "init", tmp_path / "state", "--runs", tmp_path / "runs",
                              "--auth", "google")
    assert result.returncode != 0
    assert "--auth native or entra or ldap" in result.stderr


def test_hub_init_says_only_what_to_do_next(tmp_path: Path) -> None:
    """Not alembic's INFO lines about stamping the new database."""
    (tmp_path / "runs").mkdir()
    result = mappa("hub", "init", tmp_path / "state", "--runs", tmp_path / "runs")
    assert result.returncode == 0, result.stderr
    said = " ".join((result.stdout + result.stderr).split())
    assert "alembic" not in said
    assert "mappa-audit hub user add" in said


@pytest.mark.parametrize(("auth", "setting"), [
    ("entra", "AAD_TENANT_ID"),
    ("ldap", "MAPPA_LDAP_LOOKUP_PASSWORD"),
])
def test_a_recipe_without_its_secrets_stops_the_hub(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, auth: str, setting: str) -> None:
    monkeypatch.delenv(setting, raising=False)
    with pytest.raises(SystemExit, match=f"set {setting} in the hub's environment"):
        load_hub(tmp_path, auth)
