/**
 * The policy harness feeds each kind of policy what the real engine feeds it.
 * A capturing policy pack records, on a real first preview of p2 and p3, what
 * resource policies (checked inputs) and stack policies (planned outputs) get;
 * the harness's engine view of the same resources, captured under mocks, must
 * reproduce it field for field, unknowns included.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { knownAndUnknown, resourcePolicyProps, SET_FIELDS, stackPolicyProps } from "../../ops/offline-pack/engine-view";
import { cleanup, FIXTURES_DIR, initStack, preview, REPO_DIR, tempProject, urnName, type Project } from "../support/pulumi-cli";
import { runStackFile, type CapturedStack } from "../support/pulumi-harness";

interface Captured {
  urn: string;
  type: string;
  props: Record<string, unknown>;
  unknown: string[];
}

/** Set-typed lists in a canonical order, so that only their members are compared. */
function canonical(type: string, props: unknown): unknown {
  if (!props || typeof props !== "object") return props;
  const out: Record<string, unknown> = { ...(props as Record<string, unknown>) };
  for (const field of SET_FIELDS[type] ?? []) {
    const list = out[field];
    if (Array.isArray(list)) out[field] = [...list].sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));
  }
  return out;
}

const COMPARED_TYPES = [
  "docker:index/container:Container",
  "docker:index/remoteImage:RemoteImage",
  "docker:index/network:Network",
  "docker:index/volume:Volume",
  "random:index/randomPassword:RandomPassword",
];

for (const stack of ["p2", "p3"] as const) {
  describe(`what the engine hands the policies on a first preview of ${stack}`, () => {
    let project: Project;
    let engine: { resources: Captured[]; stack: Captured[] };
    let mocks: CapturedStack;

    beforeAll(async () => {
      project = tempProject({ stacks: { [stack]: path.join(REPO_DIR, `Pulumi.${stack}.yaml`) } });
      await initStack(project, stack);
      const file = path.join(project.work, "capture.json");
      const run = await preview(project, {
        stack,
        pack: false,
        extraArgs: ["--policy-pack", path.join(FIXTURES_DIR, "capture-pack")],
        env: { ENGINE_CAPTURE_FILE: file },
      });
      expect(run.code, run.output).toBe(0);
      engine = JSON.parse(fs.readFileSync(file, "utf8"));
      mocks = await runStackFile(stack);
    }, 180_000);
    afterAll(() => project && cleanup(project));

    const compared = () => mocks.resources.filter((r) => COMPARED_TYPES.includes(r.type));
    // Mocks build URNs from the immediate parent only; type and name identify a resource here.
    const key = (r: { type: string; urn: string }) => `${r.type}::${urnName(r.urn)}`;
    const find = (list: Captured[], r: { type: string; urn: string }) => list.find((x) => key(x) === key(r))!;

    it("covers the same resources under mocks and under the engine", () => {
      const real = engine.stack.filter((r) => COMPARED_TYPES.includes(r.type)).map(key);
      expect(compared().map(key).sort()).toEqual(real.sort());
    });

    it("resource policies: the checked inputs, with values from resources not created yet unknown", () => {
      for (const r of compared()) {
        const real = find(engine.resources, r);
        const view = knownAndUnknown(resourcePolicyProps(r, mocks.resources));
        expect({ resource: key(r), props: canonical(r.type, view.value), unknown: view.unknown.sort() }).toEqual({
          resource: key(r),
          props: canonical(r.type, real.props),
          unknown: [...real.unknown].sort(),
        });
      }
    });

    it("stack policies: the planned outputs, nulls and computed unknowns included", () => {
      for (const r of compared()) {
        const real = find(engine.stack, r);
        const view = knownAndUnknown(stackPolicyProps(r, mocks.resources));
        expect({ resource: key(r), props: canonical(r.type, view.value), unknown: view.unknown.sort() }).toEqual({
          resource: key(r),
          props: canonical(r.type, real.props),
          unknown: [...real.unknown].sort(),
        });
      }
    });
  });
}
