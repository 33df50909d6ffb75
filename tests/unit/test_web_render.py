"""The groupware's front end as rendered offline: SOGo's static resources served by nginx itself
(sogod does not serve them: proxied, every one answered 404), with caching headers, in both
datacenters; one server per name, each with its certificate."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from egovinfra.compile import compile_plan
from egovinfra.compile.packages import ROLE_PACKAGES
from egovinfra.compile.plan import Plan
from egovinfra.model import load_topology
from egovinfra.render.configs import render_configs
from egovinfra.render.hostvars import RenderContext
from egovinfra.render.providers import PROVIDERS
from egovinfra.render.roles.web import SOGO_RESOURCES
from tests.conftest import DEFAULT_TOPOLOGY

ROLE = Path(__file__).resolve().parents[2] / "roles" / "web"
SITE = "etc/nginx/sites-available/groupware.conf"
FRONT_ENDS = ("yde-web", "dla-web")


@pytest.fixture(scope="module")
def plan() -> Plan:
    return compile_plan(load_topology(DEFAULT_TOPOLOGY).topology)


def _site(plan: Plan, host: str) -> str:
    return render_configs(RenderContext(plan, "lab"), plan.host(host))[f"configs/{host}/{SITE}"].decode()


def _servers(site: str) -> list[str]:
    """The text of each top-level `server { ... }` block."""
    blocks, depth, start = [], 0, None
    for match in re.finditer(r"[{}]", site):
        if match.group() == "{":
            if depth == 0:
                start = site.rfind("server", 0, match.start())
            depth += 1
        else:
            depth -= 1
            if depth == 0 and start is not None:
                blocks.append(site[start : match.end()])
    return blocks


def _locations(server: str) -> list[tuple[str, str, str]]:
    """(modifier, path, body) of each location of a server block (none nests here)."""
    return [
        (m.group(1) or "", m.group(2), m.group(3)) for m in re.finditer(r"location (=|\^~)? ?(\S+) \{([^}]*)\}", server)
    ]


def _handler(server: str, uri: str) -> str:
    """The body of the location nginx picks for `uri` (exact match first, then longest prefix;
    the site has no regex locations)."""
    locations = _locations(server)
    for modifier, path, body in locations:
        if modifier == "=" and uri == path:
            return body
    prefixes = [(path, body) for modifier, path, body in locations if modifier != "=" and uri.startswith(path)]
    assert prefixes, f"no location for {uri}"
    return max(prefixes, key=lambda p: len(p[0]))[1]


@pytest.mark.parametrize("host", FRONT_ENDS)
@pytest.mark.parametrize(
    "uri",
    [
        "/SOGo.woa/WebServerResources/css/styles.css",
        "/SOGo.woa/WebServerResources/js/Common.js",
        "/SOGo/WebServerResources/img/sogo-full.svg",
    ],
)
def test_static_resources_are_served_from_sogo_common_with_caching_headers(plan: Plan, host: str, uri: str) -> None:
    for server in _servers(_site(plan, host)):
        handler = _handler(server, uri)
        assert "proxy_pass" not in handler, f"{uri} goes to sogod, which answers 404 for it"
        assert f"alias {SOGO_RESOURCES}/;" in handler
        expires = re.search(r"expires (\d+)s;", handler)
        assert expires is not None and int(expires.group(1)) >= 86400
        # add_header in the location would drop the server's HSTS and nosniff headers there.
        assert "add_header" not in handler


@pytest.mark.parametrize("host", FRONT_ENDS)
def test_the_application_still_goes_to_sogo_in_the_same_datacenter(plan: Plan, host: str) -> None:
    backend = PROVIDERS["web"](RenderContext(plan, "lab"), plan.host(host))
    assert backend is not None
    for server in _servers(_site(plan, host)):
        for uri in ("/SOGo/", "/SOGo/so/cmballa/Mail/view", "/SOGo/dav/cmballa/"):
            assert f"proxy_pass {backend['web_backend']};" in _handler(server, uri)
        assert "return 404" in _handler(server, "/SOGo/Microsoft-Server-ActiveSync")
        assert "return 301 https://$host/SOGo/dav/" in _handler(server, "/.well-known/caldav")


def test_each_name_has_its_server_and_certificate(plan: Plan) -> None:
    servers = _servers(_site(plan, "yde-web"))
    names = [re.search(r"server_name (\S+);", s).group(1) for s in servers]  # type: ignore[union-attr]
    assert names == ["web.yde.intranet.gov.cm", "groupware.intranet.gov.cm"]
    assert "ssl_certificate /etc/egovinfra/tls/fullchain.pem;" in servers[0]
    assert "ssl_certificate /etc/egovinfra/tls/groupware.intranet.gov.cm/fullchain.pem;" in servers[1]


def test_the_role_installs_sogo_common_and_checks_the_site_before_installing_it() -> None:
    assert "sogo-common" in ROLE_PACKAGES["web"]
    tasks = yaml.safe_load((ROLE / "tasks" / "main.yml").read_text())
    site = next(t for t in tasks if t.get("ansible.builtin.template", {}).get("dest", "").endswith("groupware.conf"))
    assert site["ansible.builtin.template"]["validate"].endswith(" %s")
