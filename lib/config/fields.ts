/** Reusable field schemas for the stack config: one definition of "a port", "a pinned image", ... */
import { z } from "zod";
import { imagePinProblem } from "../images";

export const port = z.int().min(1).max(65535);

export const seconds = z.number().positive();

export const mebibytes = z.int().positive();

/** CPU count as Docker takes it (`--cpus`), e.g. 4 or 1.5. */
export const cpus = z.number().positive().max(1024);

export const absolutePath = z
  .string()
  .min(1)
  .refine((p) => p.startsWith("/"), { message: "must be an absolute host path (starting with /)" });

export const pinnedImage = z.string().superRefine((ref, ctx) => {
  const problem = imagePinProblem(ref);
  if (problem) ctx.addIssue({ code: "custom", message: `image must be pinned: ${problem}` });
});

export const ipv4 = z.ipv4({ message: "must be an IPv4 address such as 127.0.0.1 (IPv6 bindings cause perpetual diffs)" });

/** Where a custom service's image comes from: a pinned registry image, or a local build. */
export const imageSource = z
  .strictObject({
    image: pinnedImage.optional(),
    build: z
      .strictObject({
        /** Build context, absolute or relative to the Pulumi project directory. */
        context: z.string().min(1),
        dockerfile: z.string().min(1).default("Dockerfile"),
        /** Tag for the locally built image; bump it to rebuild. */
        tag: z
          .string()
          .regex(/^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/)
          .default("0.1.0"),
        /** Docker build arguments (e.g. a mirror's base image); no secrets: they land in the image history. */
        args: z.record(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/), z.string()).optional(),
      })
      .optional(),
  })
  .superRefine((source, ctx) => {
    if ((source.image === undefined) === (source.build === undefined)) {
      ctx.addIssue({ code: "custom", message: "set exactly one of `image` (a pinned reference) or `build` (a build context)" });
    }
  });

export type ImageSource = z.infer<typeof imageSource>;

/** Container resource limits (memory in MiB, CPUs as Docker's --cpus). */
export function limits(memoryMiB: number, cpuCount: number) {
  return {
    memoryMiB: mebibytes.default(memoryMiB),
    cpus: cpus.default(cpuCount),
  };
}
