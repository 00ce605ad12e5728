// ARMGO_LOG_TIMESTAMPS=1 (cron's entries set it): a log appended to run after run says when each
// line was written, so every line armgo writes starts with its UTC time.

type Write = (chunk: string | Uint8Array, ...rest: never[]) => boolean;

/** Prefix each line `stream` gets with `now()`; a line written in pieces gets it once. */
export function stampLines(stream: { write: Write }, now = () => new Date().toISOString()): void {
  const write = stream.write.bind(stream);
  let atStart = true;
  stream.write = (chunk, ...rest) => {
    const text = typeof chunk === "string" ? chunk : Buffer.from(chunk).toString("utf8");
    const stamped = text
      .split("\n")
      .map((part, i) => ((i > 0 || atStart) && part !== "" ? `${now()} ${part}` : part))
      .join("\n");
    atStart = text.endsWith("\n");
    return write(stamped, ...rest);
  };
}
