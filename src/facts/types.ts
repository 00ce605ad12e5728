// Everything armgo knows about a host, gathered in one remote command (see facts/gather.ts).

export interface Facts {
  /** `uname -m`, e.g. aarch64 */
  arch: string;
  /** Go's name for the arch, e.g. arm64 */
  goarch: string;
  /** Go's name for the OS, e.g. linux */
  goos: string;
  os: {
    id: string;
    version_id: string;
    pretty_name: string;
    /** ID_LIKE of /etc/os-release, e.g. "debian" on Ubuntu */
    id_like?: string;
    /** VERSION_CODENAME, e.g. bookworm */
    codename?: string;
    /** /etc/debian_version, e.g. 12.11: the point release Ansible reports on Debian */
    debian_version?: string;
  };
  libc: { kind: "glibc" | "musl" | "unknown"; version: string };
  /** Login shell of the connecting user, e.g. /bin/bash */
  shell: string;
  home: string;
  user: string;
  uid: number;
  /** Which tools exist: curl, wget, sha256sum, tar, sudo, systemctl */
  tools: Record<string, boolean>;
  /** `go version` of the go found on PATH or in /usr/local/go, e.g. "1.22.12"; null when none. */
  go_version: string | null;
  hostname: string;
  /** The connecting user's environment, as Ansible's ansible_env */
  env?: Record<string, string>;
}
