/**
 * Resource quantities in the canonical form the API server stores them in
 * ("4", "500m", "6Gi", "1536Mi"), so what the program sends is what
 * `kubectl get -o yaml` shows and a re-preview has nothing to normalise.
 */

/** CPUs (Docker's --cpus) as a CPU quantity: whole cores as "4", anything else in millicores ("500m"). */
export function cpuQuantity(cpus: number): string {
  if (!(cpus > 0)) throw new RangeError(`CPU count must be positive, got ${cpus}`);
  const milli = Math.max(1, Math.round(cpus * 1000));
  return milli % 1000 === 0 ? String(milli / 1000) : `${milli}m`;
}

/** MiB as a memory quantity: whole GiB as "6Gi", else "1536Mi". */
export function memoryQuantity(mib: number): string {
  if (!Number.isInteger(mib) || mib <= 0) throw new RangeError(`memory must be a positive whole number of MiB, got ${mib}`);
  return mib % 1024 === 0 ? `${mib / 1024}Gi` : `${mib}Mi`;
}

/** Whole GiB as a storage quantity. */
export function storageQuantity(gib: number): string {
  if (!Number.isInteger(gib) || gib <= 0) throw new RangeError(`storage must be a positive whole number of GiB, got ${gib}`);
  return `${gib}Gi`;
}

/** A CPU or memory quantity back in CPUs or MiB ("500m" -> 0.5, "6Gi" -> 6144), for policies; undefined when unparseable. */
export function parseQuantity(text: string | number | undefined, unit: "cpu" | "MiB"): number | undefined {
  if (typeof text === "number") return unit === "cpu" ? text : text / 2 ** 20;
  if (typeof text !== "string") return undefined;
  const match = /^([0-9]+(?:\.[0-9]+)?)(m|k|M|G|T|Ki|Mi|Gi|Ti|e\d+)?$/.exec(text.trim());
  if (!match) return undefined;
  const value = Number(match[1]);
  const suffix = match[2] ?? "";
  const factor: Record<string, number> = { "": 1, m: 1e-3, k: 1e3, M: 1e6, G: 1e9, T: 1e12, Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40 };
  const scale = suffix.startsWith("e") ? 10 ** Number(suffix.slice(1)) : factor[suffix]!;
  const base = value * scale;
  return unit === "cpu" ? base : base / 2 ** 20;
}
