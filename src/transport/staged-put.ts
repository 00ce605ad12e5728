// put under become, for ssh and local alike: the transport writes files as the login user, so the
// file is staged in a private directory of that user, then ONE sudo command copies it beside the
// target (owned by the become user), sets its mode and renames it into place.
import { randomBytes } from "node:crypto";
import { TaskError, lastLine } from "../errors.js";
import { sh } from "./quote.js";
import { tempBeside } from "./temp-name.js";
import type { PutOptions, Transport } from "./transport.js";

/** The transport's own put, as the login user. */
export type LoginPut = (local: string, remote: string, opts: PutOptions) => Promise<void>;

export async function stagedPut(
  t: Pick<Transport, "host" | "exec">,
  putAsLogin: LoginPut,
  local: string,
  remote: string,
  opts: PutOptions & { become: true | string },
): Promise<void> {
  const failed = (why: string): TaskError =>
    new TaskError(
      `upload of ${local} to ${t.host}:${remote} as ${opts.become === true ? "root" : opts.become} failed: ${why}`,
      {
        where: { host: t.host },
      },
    );
  // A become user other than root cannot enter the login user's private dir: it may pass (711), not list.
  const other = typeof opts.become === "string" && opts.become !== "root";
  const made = await t.exec(
    `d=$(umask 077; mktemp -d "\${TMPDIR:-/tmp}/armgo-put.XXXXXXXX") && ${other ? `chmod 711 "$d" && ` : ""}printf '%s' "$d"`,
  );
  if (made.code !== 0 || made.stdout === "")
    throw failed(`no staging directory: ${lastLine(made.stderr) || `exit ${made.code}`}`);
  const dir = made.stdout;
  const staged = `${dir}/${randomBytes(6).toString("hex")}`;
  let cleaned = false;
  try {
    await putAsLogin(local, staged, {
      mode: other ? 0o644 : 0o600,
      ...(opts.onProgress ? { onProgress: opts.onProgress } : {}),
    });
    const tmp = tempBeside(remote);
    // The mode is set before the rename, so the file never shows at `remote` with another one.
    const move = [
      sh`cp -- ${staged} ${tmp} && chmod ${(opts.mode ?? 0o644).toString(8)} ${tmp} && mv -f -- ${tmp} ${remote}` +
        ` || { rc=$?; ` +
        sh`rm -f -- ${tmp}; exit $rc; }`,
      other ? "" : sh`rm -rf -- ${dir}`,
    ].join("\n");
    const res = await t.exec(move, { become: opts.become });
    if (res.code !== 0) throw failed(lastLine(res.stderr) || `exit ${res.code}`);
    cleaned = !other;
  } finally {
    if (!cleaned) await t.exec(sh`rm -rf -- ${dir}`).catch(() => undefined);
  }
}
