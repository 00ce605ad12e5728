// A controller file onto the host as the task's user: under become the transport stages it and moves
// it into place with one sudo command (transport/staged-put.ts); progress shows on a TTY.
import { posix } from "node:path";
import { sh } from "../../transport/quote.js";
import type { ModuleContext } from "../contract.js";

/** Upload `local` to `remote` (its directory made first), owned by the task's become user when it has one. */
export async function uploadAs(ctx: ModuleContext, local: string, remote: string, mode?: number): Promise<void> {
  await ctx.runOk(sh`mkdir -p ${posix.dirname(remote)}`);
  await ctx.put(local, remote, {
    become: ctx.become,
    ...(mode === undefined ? {} : { mode }),
    onProgress: (done, total) => ctx.progress(`upload ${done}/${total} bytes`),
  });
}
