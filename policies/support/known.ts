/**
 * Preview hands policies values that are not known yet (an image id, an env
 * list built from a generated secret). Reading one through the SDK's proxy
 * throws UnknownValueError, which turns the whole policy into an advisory
 * "can't run during preview". Instead we copy what is known, remember what
 * was not, check the known part, and only then rethrow: a certain violation
 * stays mandatory, and an incomplete check still says so.
 *
 * Stack policies see the provider's planned outputs, where every optional field
 * the program did not set is `null`; the copy leaves nulls out, so "unset" reads
 * the same (undefined) in resource and stack policies.
 */
import { UnknownValueError } from "@pulumi/policy";

export interface UnknownValue {
  /** Dotted path below the resource's props, e.g. "envs" or "ports.0.ip". */
  path: string;
  error: UnknownValueError;
}

export interface Known<T> {
  value: T;
  unknown: UnknownValue[];
}

/** A plain deep copy of `value` with unknown values and nulls left out (absent from objects, dropped from arrays). */
export function knownPart<T>(value: T): Known<T> {
  const unknown: UnknownValue[] = [];
  return { value: copy(value, "", unknown) as T, unknown };
}

function copy(value: unknown, at: string, unknown: UnknownValue[]): unknown {
  if (value === null) return undefined;
  if (typeof value !== "object") return value;
  const isArray = Array.isArray(value);
  const out: Record<string, unknown> | unknown[] = isArray ? [] : {};
  for (const key of Object.keys(value)) {
    const path = at ? `${at}.${key}` : key;
    try {
      const item = copy((value as Record<string, unknown>)[key], path, unknown);
      if (item === undefined) continue;
      if (isArray) (out as unknown[]).push(item);
      else (out as Record<string, unknown>)[key] = item;
    } catch (error) {
      if (!(error instanceof UnknownValueError)) throw error;
      unknown.push({ path, error });
    }
  }
  return out;
}

/** Rethrows the first unknown value under any of `fields`, after the known part has been checked. */
export function rethrowUnknown(unknown: UnknownValue[], fields: readonly string[]): void {
  const hit = unknown.find((u) => fields.some((f) => u.path === f || u.path.startsWith(`${f}.`)));
  if (hit) throw hit.error;
}

/**
 * True for an unknown entry of one of the list `fields` (`envs.3`, `command.0`),
 * as opposed to the whole list being unknown. Such a value is another
 * resource's output, so the container already depends on that resource.
 */
export function isUnknownEntryOf(u: UnknownValue, fields: readonly string[]): boolean {
  const match = /^([^.]+)\.\d+$/.exec(u.path);
  return match !== null && fields.includes(match[1]!);
}

/** The index of an unknown `uploads.<i>.content`: a shipped file whose content is another resource's output (a generated secret). */
export function unknownUploadContentIndex(u: UnknownValue): number | undefined {
  const match = /^uploads\.(\d+)\.content$/.exec(u.path);
  return match ? Number(match[1]) : undefined;
}
