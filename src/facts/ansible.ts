// Ansible's fact names beside armgo's own, so conditions ported from Ansible roles read the same
// facts: `ansible_distribution == 'Debian'`, `ansible_architecture == 'aarch64'`.
import type { Facts } from "./types.js";

/** /etc/os-release ID → Ansible's ansible_distribution, where it is not the ID capitalised. */
const DISTRIBUTION: Record<string, string> = {
  rhel: "RedHat",
  centos: "CentOS",
  amzn: "Amazon",
  ol: "OracleLinux",
  almalinux: "AlmaLinux",
  sles: "SLES",
  "opensuse-leap": "openSUSE Leap",
  "opensuse-tumbleweed": "openSUSE Tumbleweed",
  arch: "Archlinux",
  linuxmint: "Linux Mint",
};

/** Ansible's OS_FAMILY map, by os-release ID or ID_LIKE. */
const FAMILY: Record<string, string> = {
  debian: "Debian",
  ubuntu: "Debian",
  raspbian: "Debian",
  linuxmint: "Debian",
  rhel: "RedHat",
  centos: "RedHat",
  fedora: "RedHat",
  rocky: "RedHat",
  almalinux: "RedHat",
  amzn: "RedHat",
  ol: "RedHat",
  sles: "Suse",
  suse: "Suse",
  opensuse: "Suse",
  "opensuse-leap": "Suse",
  "opensuse-tumbleweed": "Suse",
  alpine: "Alpine",
  arch: "Archlinux",
  gentoo: "Gentoo",
};

function distribution(id: string): string {
  return DISTRIBUTION[id] ?? id.charAt(0).toUpperCase() + id.slice(1);
}

function family(os: Facts["os"]): string {
  const known = [os.id, ...(os.id_like ?? "").split(/\s+/)].find(
    (i) => i && Object.prototype.hasOwnProperty.call(FAMILY, i),
  );
  return known ? FAMILY[known]! : distribution(os.id);
}

/** The ansible_* vars of a host's facts; none when facts were not gathered, as in Ansible. */
export function ansibleFacts(facts: Facts): Record<string, unknown> {
  if (!facts.arch) return {};
  const os = facts.os;
  // Ansible reports Debian's point release (12.11) from /etc/debian_version, elsewhere VERSION_ID
  const version =
    os.id === "debian" && /^\d+(\.\d+)*$/.test(os.debian_version ?? "") ? os.debian_version! : os.version_id;
  return {
    ansible_architecture: facts.arch,
    ansible_machine: facts.arch,
    ansible_system: facts.goos.charAt(0).toUpperCase() + facts.goos.slice(1),
    ansible_distribution: distribution(os.id),
    ansible_distribution_version: version,
    ansible_distribution_major_version: version.split(".")[0] ?? "",
    ansible_distribution_release: os.codename ?? "",
    ansible_os_family: family(os),
    ansible_user_id: facts.user,
    ansible_user_dir: facts.home,
    ansible_env: facts.env ?? {},
    ansible_hostname: facts.hostname.split(".")[0] ?? "",
  };
}
