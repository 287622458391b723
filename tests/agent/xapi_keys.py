# SPDX-License-Identifier: MIT
"""xapi_keys.py: what xapi and Xen Orchestra read of a Linux guest's
xenstore keys, with the exact formats, and a model of how they read them.

TABLE holds one row per key (or key pattern) the agent writes: the format
its value must have and who reads it, from the sources (xapi-project/xen-api
e2ee48d6: ocaml/xapi/xapi_guest_agent.ml, xapi_pv_driver_version.ml,
ocaml/squeezed/src/squeeze_xen.ml, ocaml/xenopsd/xc/xenops_server_xen.ml;
vatesfr/xen-orchestra 9ef53890: packages/xo-server/src/xapi-object-to-xo.mjs,
_normalizeVmNetworks.mjs, _extractIpFromVmNetworks.mjs,
packages/xo-web/src/common/utils.js, xo-app/vm/tab-general.js). The model
functions below follow those files; they are what lifecycle.py asserts the
published keys against. docs/guest-agent.8 lists the same keys.
"""
import re

UINT = r"0|[1-9][0-9]*"
UUID = r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"
IPV4 = r"((25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])\.){3}(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])"
IPV6 = r"[0-9a-f:]*:[0-9a-f:.]*"  # inet_ntop's form: lower case, "::" shortened

TABLE = [
    # key (a regular expression), value format, who reads it
    ("attr/PVAddons/Installed", r"1",
     "nobody in today's xapi (it reads the four *Version keys); xe-guest-utilities writes it"),
    ("attr/PVAddons/MajorVersion", r"[1-9][0-9]*",
     "xapi PV_drivers_version 'major', int_of_string (xapi_pv_driver_version.ml); "
     "XO managementAgentDetected, and the version is shown only when above 0"),
    ("attr/PVAddons/MinorVersion", UINT, "xapi 'minor', int_of_string; XO managementAgentDetected"),
    ("attr/PVAddons/MicroVersion", UINT, "xapi 'micro' (-1 when missing)"),
    ("attr/PVAddons/BuildVersion", UINT, "xapi 'build' (-1 when missing); XO's version suffix"),
    ("data/os_distro", r"[a-z0-9][a-z0-9._-]*", "xapi os_version 'distro'; XO osFamily: the OS icon"),
    ("data/os_name", r".+", "xapi os_version 'name'"),
    ("data/os_majorver", r"[0-9]+", "xapi os_version 'major'"),
    ("data/os_minorver", r"[0-9]+", "xapi os_version 'minor'"),
    ("data/os_uname", r"\S+", "xapi os_version 'uname'"),
    ("data/host_name_dns", r"[^.\s]+", "xapi netbios_name 'host_name'"),
    ("data/domain", r"\S+", "xapi netbios_name: host_name becomes host_name_dns.domain"),
    ("data/meminfo_total", UINT, "xapi memory 'total' (kB)"),
    ("data/meminfo_free", UINT, "xapi memory 'free' (kB)"),
    ("data/updated", r"[0-9]+", "squeezed get_guest_agent: the guest has booted"),
    ("control/feature-balloon", r"1", "squeezed get_feature_balloon: sets memory targets only then; xapi other"),
    ("data/service/guest-agent/version", r"[0-9]+\.[0-9]+\.[0-9]+", "xapi services 'guest-agent/version'"),
    ("data/service/guest-agent/state", r"running", "xapi services 'guest-agent/state'"),
    ("data/service/guest-agent/unique-domain-id", UUID,
     "xapi services; guest-agent --check compares it with unique-domain-id"),
    (r"attr/vif/[0-9]+/ipv4/[0-9]+", IPV4,
     "xapi networks '<id>/ip' (index 0) and '<id>/ipv4/<n>'; XO addresses and main IP"),
    (r"attr/vif/[0-9]+/ipv6/[0-9]+", IPV6, "xapi networks '<id>/ipv6/<n>'; XO addresses"),
    (r"xenserver/attr/net-sriov-vf/[0-9]+/ipv4/[0-9]+", IPV4, "xapi networks, SR-IOV VF (networks 'xenserver/attr')"),
    (r"xenserver/attr/net-sriov-vf/[0-9]+/ipv6/[0-9]+", IPV6, "xapi networks, SR-IOV VF"),
]


def row_of(key):
    """The TABLE row whose key pattern matches @key, or None."""
    for row in TABLE:
        if re.fullmatch(row[0], key):
            return row
    return None


def is_agent_key(key):
    """Keys in the subtrees the agent writes (not the toolstack's own)."""
    return key.startswith(("attr/", "xenserver/attr/", "data/")) or key == "control/feature-balloon"


def ocaml_int(s):
    """int_of_string as far as a PV-addons part goes: decimal, else None."""
    return int(s) if re.fullmatch(r"-?[0-9]+", s or "") else None


def xapi_guest_metrics(store):
    """xapi_guest_agent.ml get_initial_guest_metrics over a snapshot of the
    keys xenopsd copies (relative path -> value)."""
    pv = {}
    for key, name in [("attr/PVAddons/MajorVersion", "major"), ("attr/PVAddons/MinorVersion", "minor"),
                      ("attr/PVAddons/MicroVersion", "micro"), ("attr/PVAddons/BuildVersion", "build")]:
        if key in store:
            pv[name] = store[key]
    if pv and "micro" not in pv:
        pv["micro"] = "-1"
    os_version = {name: store[key] for key, name in
                  [("data/os_name", "name"), ("data/os_uname", "uname"), ("data/os_distro", "distro"),
                   ("data/os_majorver", "major"), ("data/os_minorver", "minor")] if key in store}
    netbios = {}
    if "data/host_name_dns" in store:
        host = store["data/host_name_dns"]
        netbios["host_name"] = host + "." + store["data/domain"] if "data/domain" in store else host
    networks = {}
    for root in ["attr/vif", "xenserver/attr/net-sriov-vf"]:
        for key, value in store.items():
            m = re.fullmatch(re.escape(root) + r"/([0-9]+)/(ipv4|ipv6)/([^/]+)", key)
            if not m:
                continue
            vif, fam, idx = m.groups()
            networks[f"{vif}/{fam}/{idx}"] = value
            if fam == "ipv4" and idx == "0":
                networks[f"{vif}/ip"] = value
    services = {k[len("data/service/"):]: v for k, v in store.items()
                if re.fullmatch(r"data/service/[^/]+/[^/]+", k)}
    other = {k[len("control/"):]: v for k, v in store.items() if re.fullmatch(r"control/[^/]+", k)}
    return {"PV_drivers_version": pv, "os_version": os_version, "netbios_name": netbios,
            "networks": networks, "services": services, "other": other}


def xapi_pv_drivers(pv):
    """xapi_pv_driver_version.ml get_drivers_version: ("Linux", parts) or "Unknown"."""
    major, minor = ocaml_int(pv.get("major")), ocaml_int(pv.get("minor"))
    micro = ocaml_int(pv.get("micro", "-1"))
    build = ocaml_int(pv.get("build", "-1"))
    if None in (major, minor, micro, build):
        return "Unknown"
    return ("Linux", major, minor, micro, build)


def xo_guest_tools(gm):
    """xapi-object-to-xo.mjs getVmGuestToolsProps and tab-general.js's version."""
    pv = gm["PV_drivers_version"]
    has = "major" in pv and "minor" in pv
    version = f"{pv['major']}.{pv['minor']}.{pv.get('micro')}-{pv.get('build')}" if has else None
    shown = version if version and ocaml_int(version.split(".")[0]) and int(version.split(".")[0]) > 0 else ""
    return {"managementAgentDetected": has, "pvDriversVersion": version, "versionShown": shown}


def xo_main_ip(networks):
    """_extractIpFromVmNetworks.mjs."""
    ipv6 = None
    for key in sorted(networks):
        if re.fullmatch(r"\d+/ip(?:v4/\d+)?", key):
            return networks[key]
        if ipv6 is None and re.fullmatch(r"\d+/ipv6/\d+", key):
            ipv6 = networks[key]
    return ipv6


# xo-web common/utils.js osFamily: the distro names that get an icon.
XO_OS_FAMILY = {"centos": "centos", "debian": "debian", "coreos": "docker", "fedora": "fedora",
                "freebsd": "freebsd", "gentoo": "gentoo", "linux-mint": "linux-mint",
                "netbsd": "netbsd", "oracle": "oracle", "osx": "osx", "redhat": "redhat",
                "rhel": "redhat", "red hat enterprise linux": "redhat", "solaris": "solaris",
                "sles": "suse", "suse": "suse", "opensuse": "suse", "opensuse-leap": "suse",
                "opensuse-microos": "suse", "ubuntu": "ubuntu", "windows": "windows"}
