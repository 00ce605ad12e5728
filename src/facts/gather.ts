// Facts in ONE remote command: a single script prints key=value lines that parseFacts reads.
import { parseKv } from "./kv.js";
import type { Facts } from "./types.js";

const TOOLS = ["curl", "wget", "sha256sum", "tar", "sudo", "systemctl"] as const;

export const factsScript = `
echo "arch=$(uname -m)"
echo "kernel=$(uname -s)"
echo "hostname=$(hostname 2>/dev/null || cat /etc/hostname 2>/dev/null)"
echo "user=$(id -un)"
echo "uid=$(id -u)"
echo "home=$HOME"
echo "shell=$(getent passwd "$(id -un)" 2>/dev/null | cut -d: -f7)"
echo "env_shell=$SHELL"
if [ -r /etc/os-release ]; then . /etc/os-release; echo "os_id=$ID"; echo "os_version_id=$VERSION_ID"; echo "os_pretty_name=$PRETTY_NAME"; echo "os_id_like=$ID_LIKE"; echo "os_codename=$VERSION_CODENAME"; fi
[ -r /etc/debian_version ] && echo "os_debian_version=$(cat /etc/debian_version)"
# The environment, one variable a line: NULs end variables, so newlines inside values travel as \\001
if env -0 >/dev/null 2>&1; then env -0 | tr '\\n\\000' '\\001\\n'; else env; fi | sed 's/^/env./'
echo "glibc=$(getconf GNU_LIBC_VERSION 2>/dev/null)"
echo "ldd=$( (ldd --version 2>&1 || true) | head -n 2 | tr '\\n' ' ')"
for t in ${TOOLS.join(" ")}; do if command -v "$t" >/dev/null 2>&1; then echo "tool_$t=1"; else echo "tool_$t=0"; fi; done
go=$(command -v go 2>/dev/null || true)
[ -z "$go" ] && [ -x /usr/local/go/bin/go ] && go=/usr/local/go/bin/go
if [ -n "$go" ]; then
  # The release's VERSION file answers without starting the toolchain (slow under emulation).
  root=$(dirname "$(dirname "$(readlink -f "$go")")")
  if [ -r "$root/VERSION" ]; then echo "go_version=$(head -n 1 "$root/VERSION")"; else echo "go_version=$("$go" version 2>/dev/null | cut -d' ' -f3)"; fi
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
