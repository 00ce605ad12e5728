// What the lab needs from the machine, each missing piece reported with the command that fixes it.
import { readFile } from "node:fs/promises";
import { ArmgoError } from "../errors.js";
import { run } from "../run.js";

const BINFMT = "/proc/sys/fs/binfmt_misc";

/** Every problem found (empty when the lab can run). Never throws. */
export async function labDoctor(): Promise<ArmgoError[]> {
  return (await Promise.all([checkDocker(), checkBinfmt()])).filter((p): p is ArmgoError => p !== undefined);
}

/** Throw one ArmgoError naming every problem, or return when the lab can run. */
export async function assertLabReady(): Promise<void> {
  const problems = await labDoctor();
  if (problems.length === 0) return;
  throw new ArmgoError(`the ARM64 lab cannot run: ${problems.map((p) => p.message).join("; ")}`, {
    hint: problems
      .map((p) => p.hint)
      .filter(Boolean)
      .join("; then "),
    cause: problems[0],
  });
}

async function checkDocker(): Promise<ArmgoError | undefined> {
  try {
    await run("docker", ["version", "--format", "{{.Server.Version}}"]);
    return undefined;
  } catch (cause) {
    const missing = /command not found/.test((cause as Error).message);
    return missing
      ? new ArmgoError("the docker client is not installed", { cause, hint: "apt-get install -y docker.io" })
      : new ArmgoError("the Docker daemon does not answer `docker version`", {
          cause,
          hint: "start it: setsid nohup dockerd >/var/log/dockerd.log 2>&1 &  (or `bash scripts/setup.sh`)",
        });
  }
}

async function checkBinfmt(): Promise<ArmgoError | undefined> {
  const status = await readFile(`${BINFMT}/qemu-aarch64`, "utf8").catch(() => undefined);
  const flags = /^flags: (\S*)/m.exec(status ?? "")?.[1] ?? "";
  // F lets containers find the interpreter; C makes setuid work, without it `sudo` fails in arm64 hosts.
  if (status?.split("\n")[0] === "enabled" && flags.includes("F") && flags.includes("C")) return undefined;
  if (status?.split("\n")[0] === "enabled") {
    return new ArmgoError(
      `binfmt handler qemu-aarch64 has flags '${flags}', the lab needs F and C (sudo in arm64 hosts)`,
      {
        hint: "re-register it with flags POCF: `bash scripts/setup.sh` does this (binfmt step)",
      },
    );
  }
  if (status !== undefined) {
    return new ArmgoError("binfmt handler qemu-aarch64 is registered but disabled", {
      hint: "update-binfmts --enable qemu-aarch64",
    });
  }
  const mounted = await readFile(`${BINFMT}/status`, "utf8").then(
    () => true,
    () => false,
  );
  return new ArmgoError(
    mounted ? "no binfmt handler qemu-aarch64: ARM64 binaries cannot run" : `binfmt_misc is not mounted at ${BINFMT}`,
    {
      hint: mounted
        ? "apt-get install -y qemu-user-static binfmt-support && update-binfmts --enable qemu-aarch64"
        : `mount -t binfmt_misc binfmt_misc ${BINFMT} && update-binfmts --enable qemu-aarch64`,
    },
  );
}
