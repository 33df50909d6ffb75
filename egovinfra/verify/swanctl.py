"""Read ``swanctl --list-sas`` output: which IKE and CHILD SAs a host has, in which state.

The text form is stable across strongSwan 5.9 and 6 (the vici ``--raw`` form quotes differently
between versions):

    minfi_yde: #3, ESTABLISHED, IKEv2, 9c0e...
      local  'gw.minfi.intranet.gov.cm' @ 100.64.1.10[4500]
      ...
      minfi_yde: #2, reqid 1, INSTALLED, TUNNEL-in-UDP, ESP:AES_GCM_16-256/ECP_384
        installed 12s ago, rekeying in 3400s, expires in 3948s
        local  10.64.2.0/24
        remote 10.1.0.0/16
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

_IKE = re.compile(r"^(?P<name>[\w.-]+): #\d+, (?P<state>[A-Z_]+), IKEv(?P<version>\d)")
_CHILD = re.compile(r"^\s+(?P<name>[\w.-]+): #\d+, reqid \d+, (?P<state>[A-Z_]+), (?P<mode>[\w-]+)")
_TS = re.compile(r"^\s+(?P<side>local|remote)\s+(?P<ts>\d[\d./ ]*)$")


@dataclass
class ChildSa:
    """One CHILD_SA: its state and traffic selectors."""

    name: str
    state: str
    mode: str
    local_ts: list[str] = field(default_factory=list)
    remote_ts: list[str] = field(default_factory=list)


@dataclass
class IkeSa:
    """One IKE_SA and its CHILD_SAs."""

    name: str
    state: str
    version: int
    children: list[ChildSa] = field(default_factory=list)


def parse_sas(text: str) -> list[IkeSa]:
    """Every IKE_SA in ``swanctl --list-sas`` output, with its CHILD_SAs."""
    sas: list[IkeSa] = []
    child: ChildSa | None = None
    for line in text.splitlines():
        if match := _IKE.match(line):
            sas.append(IkeSa(match["name"], match["state"], int(match["version"])))
            child = None
        elif (match := _CHILD.match(line)) and sas:
            child = ChildSa(match["name"], match["state"], match["mode"])
            sas[-1].children.append(child)
        elif (match := _TS.match(line)) and child is not None:
            selectors = match["ts"].split()
            (child.local_ts if match["side"] == "local" else child.remote_ts).extend(selectors)
    return sas


def installed(sas: list[IkeSa], connection: str, child: str) -> ChildSa | None:
    """The INSTALLED CHILD_SA ``child`` under an ESTABLISHED IKE_SA ``connection``, if any."""
    for ike in sas:
        if ike.name != connection or ike.state != "ESTABLISHED":
            continue
        for sa in ike.children:
            if sa.name == child and sa.state == "INSTALLED":
                return sa
    return None
