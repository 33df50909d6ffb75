"""DNS name checks shared by the CA (its permitted domain) and issuance (gateway identities)."""

import re

from egovinfra.pki.errors import PkiError

_LABEL = re.compile(r"^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$")


def normalize_dns_name(name: str, what: str) -> str:
    """Return `name` lower-cased, or raise if it is not a plain DNS name (no wildcard, no dot end).

    `what` names the value in the error message ("domain", "identity").
    """
    value = name.strip().lower()
    labels = value.split(".")
    if not value or len(value) > 253 or not all(_LABEL.match(label) for label in labels):
        raise PkiError(
            f"{what} {name!r} is not a DNS name (labels of letters, digits and inner hyphens, joined by dots)"
        )
    if len(labels) < 2:
        raise PkiError(f"{what} {name!r} must have at least two labels (e.g. intranet.gov.example)")
    return value


def within_domain(fqdn: str, domain: str) -> bool:
    """True when `fqdn` is `domain` itself or one of its subdomains (RFC 5280 dNSName semantics)."""
    return fqdn == domain or fqdn.endswith("." + domain)
