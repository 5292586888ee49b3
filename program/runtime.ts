/**
 * Whether the program runs under Pulumi's mocks (the unit tests): nothing is
 * deployed then, so there is no container to ask and no build to run. The
 * harness (test/support/pulumi-harness.ts) sets the flag.
 */
export const UNDER_MOCKS_ENV = "LOCAL_AI_SUITE_UNDER_MOCKS";

export function isUnderMocks(): boolean {
  return process.env[UNDER_MOCKS_ENV] === "1";
}
