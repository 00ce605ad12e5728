// Facts in ONE remote command: a single script prints key=value lines that parseFacts reads.
import { parseKv } from "./kv.js";
import type { Facts } from "./types.js";

const TOOLS = ["curl", "wget", "sha256sum", "tar", "sudo", "systemctl"] as const;

// Every host pays for this script on every run: builtins and `read` where a command would fork
// (about 6 processes in all on a glibc host, where each `$(...)` and pipe once made it 28).
export const factsScript = `
u=$(uname -sm)
echo "arch=\${u##* }"
echo "kernel=\${u%% *}"
h=; read -r h 2>/dev/null </proc/sys/kernel/hostname || h=$(hostname 2>/dev/null || cat /etc/hostname 2>/dev/null)
echo "hostname=$h"
# the effective uid (id -u's), then its first /etc/passwd entry (getpwuid's); id and getent where files fall short
uid=; while read -r k _ e _; do [ "$k" = Uid: ] && uid=$e && break; done 2>/dev/null </proc/self/status
[ -n "$uid" ] || uid=$(id -u)
user=; pwsh=; while IFS=: read -r n _ i _ _ _ s; do [ "$i" = "$uid" ] && user=$n && pwsh=$s && break; done 2>/dev/null </etc/passwd
[ -n "$user" ] || { user=$(id -un); pwsh=$(getent passwd "$user" 2>/dev/null | cut -d: -f7); }
echo "user=$user"
echo "uid=$uid"
echo "home=$HOME"
echo "shell=$pwsh"
echo "env_shell=$SHELL"
if [ -r /etc/os-release ]; then . /etc/os-release; echo "os_id=$ID"; echo "os_version_id=$VERSION_ID"; echo "os_pretty_name=$PRETTY_NAME"; echo "os_id_like=$ID_LIKE"; echo "os_codename=$VERSION_CODENAME"; fi
if [ -r /etc/debian_version ]; then read -r v </etc/debian_version; echo "os_debian_version=$v"; fi
# The environment, one variable a line: NULs end variables, so newlines inside values travel as \\001
if env -0 >/dev/null 2>&1; then env -0 | tr '\\n\\000' '\\001\\n' | sed 's/^/env./'; else env | sed 's/^/env./'; fi
g=$(getconf GNU_LIBC_VERSION 2>/dev/null)
echo "glibc=$g"
# ldd (a script that forks several times) only where getconf did not name glibc: musl
case $g in glibc\\ *) ;; *) echo "ldd=$( (ldd --version 2>&1 || true) | head -n 2 | tr '\\n' ' ')" ;; esac
for t in ${TOOLS.join(" ")}; do if command -v "$t" >/dev/null 2>&1; then echo "tool_$t=1"; else echo "tool_$t=0"; fi; done
# command -v go, walking PATH without a subshell
go=; o=$IFS; IFS=:; for d in $PATH; do [ -f "\${d:-.}/go" ] && [ -x "\${d:-.}/go" ] && go=\${d:-.}/go && break; done; IFS=$o
[ -z "$go" ] && [ -x /usr/local/go/bin/go ] && go=/usr/local/go/bin/go
if [ -n "$go" ]; then
  # The release's VERSION file answers without starting the toolchain (slow under emulation).
  r=$go; [ -L "$go" ] && r=$(readlink -f "$go")
  root=\${r%/*}; root=\${root%/*}
  if [ -r "$root/VERSION" ]; then read -r v <"$root/VERSION"; echo "go_version=$v"; else echo "go_version=$("$go" version 2>/dev/null | cut -d' ' -f3)"; fi
fi
true
`;

const GOARCH: Record<string, string> = {
  x86_64: "amd64",
  amd64: "amd64",
  aarch64: "arm64",
  arm64: "arm64",
  armv7l: "armv6l",
  armv6l: "armv6l",
  i686: "386",
  i386: "386",
  ppc64le: "ppc64le",
  s390x: "s390x",
  riscv64: "riscv64",
};

/** `uname -m` → Go's arch name (verified on the lab's hosts and Go's release feed). Unknown arches map to themselves. */
export function goarchOf(machine: string): string {
  return GOARCH[machine] ?? machine;
}

function libcOf(glibc: string, ldd: string): Facts["libc"] {
  const g = /^glibc\s+(\S+)/.exec(glibc);
  if (g) return { kind: "glibc", version: g[1]! };
  const m = /musl libc.*?Version\s+(\S+)/is.exec(ldd);
  if (m) return { kind: "musl", version: m[1]! };
  const l = /(?:GLIBC|GNU libc).*?\s(\d+\.\d+)/i.exec(ldd);
  if (l) return { kind: "glibc", version: l[1]! };
  return { kind: "unknown", version: "" };
}

export function parseFacts(stdout: string): Facts {
  const kv = parseKv(stdout);
  const arch = kv.arch ?? "";
  return {
    arch,
    goarch: goarchOf(arch),
    goos: (kv.kernel ?? "linux").toLowerCase(),
    os: {
      id: kv.os_id ?? "",
      version_id: kv.os_version_id ?? "",
      pretty_name: kv.os_pretty_name ?? "",
      id_like: kv.os_id_like ?? "",
      codename: kv.os_codename ?? "",
      debian_version: kv.os_debian_version ?? "",
    },
    env: Object.fromEntries(
      Object.entries(kv)
        .filter(([k]) => k.startsWith("env."))
        .map(([k, v]) => [k.slice(4), v.replace(/\x01/g, "\n")]),
    ),
    libc: libcOf(kv.glibc ?? "", kv.ldd ?? ""),
    shell: kv.shell || kv.env_shell || "/bin/sh",
    home: kv.home ?? "",
    user: kv.user ?? "",
    uid: Number(kv.uid ?? -1),
    tools: Object.fromEntries(TOOLS.map((t) => [t, kv[`tool_${t}`] === "1"])),
    go_version: kv.go_version ? kv.go_version.replace(/^go/, "") : null,
    hostname: kv.hostname ?? "",
  };
}
