/** Config section for the Docker Engine the stack deploys to. */
import { z } from "zod";

export const dockerSection = z
  .strictObject({
    engineApiVersion: z
      .union([z.literal("auto"), z.string().regex(/^1\.\d{1,3}$/, 'must be "auto" or an Engine API version such as "1.41"')])
      .default("auto")
      .describe(
        'The Engine\'s API version ("1.41" for Engine 20.10, "1.43" for 24, "1.44" for 25 and later), or "auto" to ask the daemon when the program runs. ' +
          "Features only newer engines accept follow from it: a healthcheck's start_interval needs 1.44. Pin it when previews run against another engine than `up` (a PR runner), so both plan the same.",
      ),
  })
  .prefault({})
  .describe("The Docker Engine the stack deploys to.");
