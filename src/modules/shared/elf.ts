// What a binary needs from the host it runs on, read from its ELF headers on the controller
// (no `file` or `readelf` on any host). Read through the program headers, as the loader does,
// so stripped binaries without section headers read the same.
import { TaskError } from "../../errors.js";

export const EM_AARCH64 = 183;

export interface ElfInfo {
  class: 32 | 64;
  endian: "little" | "big";
  /** e_machine: 183 = AArch64, 62 = x86-64. */
  machine: number;
  /** e_type: 2 = EXEC, 3 = DYN (PIE or shared object). */
  type: number;
  /** PT_INTERP, e.g. /lib/ld-linux-aarch64.so.1; null for a static binary. */
  interpreter: string | null;
  /** DT_NEEDED entries in file order. */
  needed: string[];
  /** The highest GLIBC_x.y the binary requires (from .gnu.version_r); null when none. */
  glibc: string | null;
}

const PT_LOAD = 1;
const PT_DYNAMIC = 2;
const PT_INTERP = 3;
const DT_NULL = 0;
const DT_NEEDED = 1;
const DT_STRTAB = 5;
const DT_VERNEED = 0x6ffffffe;
const DT_VERNEEDNUM = 0x6fffffff;

interface Segment {
  type: number;
  offset: number;
  vaddr: number;
  filesz: number;
}

/** The file starts with ELF's magic: a binary to read, not a script or an archive. */
export function isElf(buf: Buffer): boolean {
  return buf.length >= 4 && buf.readUInt32BE(0) === 0x7f454c46;
}

/** Reads the fields of one ELF file; throws TaskError naming `name` when it is not a valid ELF. */
export function readElf(buf: Buffer, name = "binary"): ElfInfo {
  const bad = (what: string) => new TaskError(`${name} is not a readable ELF file: ${what}`);
  if (buf.length < 52 || !isElf(buf)) throw bad("no ELF magic");
  const is64 = buf[4] === 2;
  if (buf[4] !== 1 && !is64) throw bad(`unknown class ${buf[4]}`);
  if (buf[5] !== 1 && buf[5] !== 2) throw bad(`unknown data encoding ${buf[5]}`);
  const le = buf[5] === 1;
  const check = (off: number, len: number) => {
    if (off < 0 || off + len > buf.length) throw bad(`offset ${off} beyond the file's ${buf.length} bytes`);
  };
  const u16 = (off: number) => (check(off, 2), le ? buf.readUInt16LE(off) : buf.readUInt16BE(off));
  const u32 = (off: number) => (check(off, 4), le ? buf.readUInt32LE(off) : buf.readUInt32BE(off));
  const u64 = (off: number) => {
    check(off, 8);
    const v = le ? buf.readBigUInt64LE(off) : buf.readBigUInt64BE(off);
    if (v > BigInt(Number.MAX_SAFE_INTEGER)) throw bad(`value ${v} at ${off} is too large`);
    return Number(v);
  };
  const word = is64 ? u64 : u32;
  const wsize = is64 ? 8 : 4;

  const type = u16(16);
  const machine = u16(18);
  const phoff = word(is64 ? 32 : 28);
  const phentsize = u16(is64 ? 54 : 42);
  const phnum = u16(is64 ? 56 : 44);

  const segments: Segment[] = [];
  for (let i = 0; i < phnum; i++) {
    const p = phoff + i * phentsize;
    segments.push(
      is64
        ? { type: u32(p), offset: u64(p + 8), vaddr: u64(p + 16), filesz: u64(p + 32) }
        : { type: u32(p), offset: u32(p + 4), vaddr: u32(p + 8), filesz: u32(p + 16) },
    );
  }
  const cstr = (off: number) => {
    check(off, 1);
    const end = buf.indexOf(0, off);
    if (end < 0) throw bad(`unterminated string at ${off}`);
    return buf.toString("latin1", off, end);
  };
  // Dynamic entries point at virtual addresses: map them to file offsets through the PT_LOAD segments.
  const fileOffset = (vaddr: number) => {
    const s = segments.find((x) => x.type === PT_LOAD && vaddr >= x.vaddr && vaddr < x.vaddr + x.filesz);
    if (!s) throw bad(`address 0x${vaddr.toString(16)} is in no loaded segment`);
    return s.offset + (vaddr - s.vaddr);
  };

  const interp = segments.find((s) => s.type === PT_INTERP);
  const info: ElfInfo = {
    class: is64 ? 64 : 32,
    endian: le ? "little" : "big",
    machine,
    type,
    interpreter: interp ? cstr(interp.offset) : null,
    needed: [],
    glibc: null,
  };
  const dyn = segments.find((s) => s.type === PT_DYNAMIC);
  if (!dyn) return info;

  const entries: Array<[number, number]> = [];
  for (let off = dyn.offset; off + 2 * wsize <= dyn.offset + dyn.filesz; off += 2 * wsize) {
    const tag = word(off);
    if (tag === DT_NULL) break;
    entries.push([tag, word(off + wsize)]);
  }
  const one = (tag: number) => entries.find(([t]) => t === tag)?.[1];
  const strtab = one(DT_STRTAB);
  if (strtab === undefined) return info;
  const strOff = fileOffset(strtab);
  info.needed = entries.filter(([t]) => t === DT_NEEDED).map(([, v]) => cstr(strOff + v));

  const verneed = one(DT_VERNEED);
  const count = one(DT_VERNEEDNUM) ?? 0;
  if (verneed === undefined) return info;
  // Elf_Verneed { vn_version u16, vn_cnt u16, vn_file u32, vn_aux u32, vn_next u32 } and
  // Elf_Vernaux { vna_hash u32, vna_flags u16, vna_other u16, vna_name u32, vna_next u32 }: same in both classes.
  const versions: string[] = [];
  let need = fileOffset(verneed);
  for (let i = 0; i < count; i++) {
    const cnt = u16(need + 2);
    let aux = need + u32(need + 8);
    for (let j = 0; j < cnt; j++) {
      versions.push(cstr(strOff + u32(aux + 8)));
      const next = u32(aux + 12);
      if (next === 0) break;
      aux += next;
    }
    const next = u32(need + 12);
    if (next === 0) break;
    need += next;
  }
  info.glibc = highestGlibc(versions);
  return info;
}

/** The highest `GLIBC_x.y[.z]` among version names, compared numerically; null when none. */
export function highestGlibc(versions: string[]): string | null {
  const parsed = versions
    .map((v) => /^GLIBC_(\d+(?:\.\d+)+)$/.exec(v)?.[1])
    .filter((v): v is string => v !== undefined);
  if (parsed.length === 0) return null;
  return parsed.reduce((a, b) => (compareVersions(a, b) >= 0 ? a : b));
}

/** Numeric dotted-version order: 2.9 < 2.17 < 2.34. */
export function compareVersions(a: string, b: string): number {
  const x = a.split(".").map(Number);
  const y = b.split(".").map(Number);
  for (let i = 0; i < Math.max(x.length, y.length); i++) {
    const d = (x[i] ?? 0) - (y[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}
