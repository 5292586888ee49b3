/** Container safety policies (Kyverno/KICS-style): one or more mutations of the real stacks per policy. */
import { beforeAll, describe, expect, it } from "vitest";
import { runStackFile, type CapturedStack } from "../support/pulumi-harness";
import { container, copyStack, loadPackConfig, mandatory, ofPolicy, runPolicies, type PackConfig } from "./harness";

let p2: CapturedStack;
let p3: CapturedStack;
beforeAll(async () => {
  p2 = await runStackFile("p2");
  p3 = await runStackFile("p3");
});

async function violations(
  base: CapturedStack,
  policy: string,
  mutate: (s: CapturedStack) => void,
  config: PackConfig = loadPackConfig(base.stack),
): Promise<string[]> {
  const mutated = copyStack(base);
  mutate(mutated);
  return ofPolicy(mandatory(await runPolicies(mutated, config, { only: [policy] })), policy).map((v) => v.message);
}

function imageResource(stack: CapturedStack, containerName: string) {
  const urn = container(stack, containerName).propertyDependencies.image![0];
  return stack.resources.find((r) => r.urn === urn)!;
}

describe("container-image-pinned", () => {
  it.each([
    ["qdrant/qdrant:latest", /tag "latest" is a rolling tag/],
    ["ghcr.io/berriai/litellm:main-latest", /tag "main-latest" is a rolling tag/],
    ["qdrant/qdrant", /it has no tag, so Docker pulls the rolling `latest`/],
    ["ghcr.io/ggml-org/llama.cpp:server-cuda", /llama\.cpp tag "server-cuda" is rolling/],
  ])("flags the image resource pulling %s", async (ref, expected) => {
    const found = await violations(p2, "container-image-pinned", (s) => (imageResource(s, "qdrant").inputs.name = ref));
    expect(found).toEqual([
      expect.stringMatching(
        new RegExp(
          `^suite-vectors-qdrant-image: image "${ref.replace(/[.]/g, "\\.")}" \\(name\\) is not pinned: ${expected.source}.*Fix: pin a version tag or a sha256 digest`,
        ),
      ),
    ]);
  });

  it("flags a container whose image is a literal floating reference, and accepts image ids and digests", async () => {
    // A literal reference instead of the RemoteImage's id: no property dependency, known at preview.
    const literalImage = (ref: string) => (s: CapturedStack) => {
      const rag = container(s, "rag");
      rag.inputs.image = ref;
      delete rag.propertyDependencies.image;
    };
    expect(await violations(p2, "container-image-pinned", literalImage("python:latest"))).toEqual([
      expect.stringMatching(/^suite-rag-rag-container: image "python:latest" \(image\) is not pinned/),
    ]);
    expect(await violations(p2, "container-image-pinned", literalImage(`python@sha256:${"a".repeat(64)}`))).toEqual([]);
  });

  it("wants the digest a lock pins for the tag (images.lock.json, or the stack's own digests in the policy config)", async () => {
    const digest = `sha256:${"ab".repeat(32)}`;
    const config = loadPackConfig("p2");
    config["container-image-pinned"] = { digests: { "qdrant/qdrant:v1.16.3": digest } };
    // The plan pins only by images.lock.json: a pin the lock lacks leaves the tag alone, and the pack refuses it.
    expect(await violations(p2, "container-image-pinned", () => {}, config)).toEqual([
      expect.stringMatching(
        /^suite-vectors-qdrant-image: image "qdrant\/qdrant:v1\.16\.3" \(name\) is not pinned by digest: images\.lock\.json pins digest sha256:abab/,
      ),
    ]);
    const withDigest = (ref: string) => (s: CapturedStack) => (imageResource(s, "qdrant").inputs.name = ref);
    expect(await violations(p2, "container-image-pinned", withDigest(`qdrant/qdrant:v1.16.3@${digest}`), config)).toEqual([]);
    expect(await violations(p2, "container-image-pinned", withDigest(`qdrant/qdrant:v1.16.3@sha256:${"cd".repeat(32)}`), config)).toEqual([
      expect.stringMatching(/names digest sha256:cdcd.* but images\.lock\.json pins sha256:abab/),
    ]);
  });
});

describe("container-privileges", () => {
  it("a privileged cAdvisor (as in the reference)", async () => {
    expect(await violations(p3, "container-privileges", (s) => (container(s, "cadvisor").inputs.privileged = true))).toEqual([
      expect.stringMatching(/^container "cadvisor" is privileged, which gives it every capability/),
    ]);
  });

  it("host network and PID namespaces", async () => {
    const found = await violations(p3, "container-privileges", (s) =>
      Object.assign(container(s, "node-exporter").inputs, { networkMode: "host", pidMode: "host" }),
    );
    expect(found).toEqual([
      expect.stringMatching(/shares the host's network namespace/),
      expect.stringMatching(/shares the host's PID namespace/),
    ]);
  });

  it("an added SYS_ADMIN, unless allowlisted for that service", async () => {
    const addSysAdmin = (s: CapturedStack) => (container(s, "dcgm-exporter").inputs.capabilities = { adds: ["SYS_ADMIN"], drops: [] });
    expect(await violations(p3, "container-privileges", addSysAdmin)).toEqual([
      expect.stringMatching(/^container "dcgm-exporter" adds capability SYS_ADMIN/),
    ]);
    const config = loadPackConfig("p3");
    (config["container-privileges"] as { capabilityAllowlist: Record<string, string[]> }).capabilityAllowlist = {
      "dcgm-exporter": ["CAP_SYS_ADMIN"],
    };
    expect(await violations(p3, "container-privileges", addSysAdmin, config)).toEqual([]);
  });

  it("no no-new-privileges", async () => {
    expect(await violations(p2, "container-privileges", (s) => (container(s, "rag").inputs.securityOpts = []))).toEqual([
      expect.stringMatching(/^container "rag" does not set no-new-privileges/),
    ]);
  });
});

describe("container-host-mounts", () => {
  it("docker.sock into the MCP server (as in the reference)", async () => {
    const found = await violations(p3, "container-host-mounts", (s) =>
      container(s, "mcp-server").inputs.volumes.push({
        hostPath: "/var/run/docker.sock",
        containerPath: "/var/run/docker.sock",
        readOnly: false,
      }),
    );
    expect(found).toEqual([
      expect.stringMatching(
        /^container "mcp-server" mounts the container runtime socket \(root on the host\): \/var\/run\/docker\.sock:\/var\/run\/docker\.sock \(volumes\[3\]\)\. Fix: remove the mount, or allowlist/,
      ),
    ]);
  });

  it("the host root into RAG (as in the reference)", async () => {
    const found = await violations(p2, "container-host-mounts", (s) =>
      container(s, "rag").inputs.volumes.push({ hostPath: "/", containerPath: "/mnt/host", readOnly: true }),
    );
    expect(found).toEqual([expect.stringMatching(/^container "rag" mounts the host root filesystem: \/:\/mnt\/host/)]);
  });

  it("a bind mount of /etc through mounts", async () => {
    const found = await violations(p2, "container-host-mounts", (s) =>
      container(s, "embedding").inputs.mounts.push({ type: "bind", source: "/etc/ssl", target: "/etc/ssl", readOnly: true }),
    );
    expect(found).toEqual([expect.stringMatching(/mounts host system directory \/etc: \/etc\/ssl:\/etc\/ssl \(mounts\[0\]\)/)]);
  });

  it("an allowlisted mount made writable", async () => {
    const found = await violations(p3, "container-host-mounts", (s) => {
      const sock = (container(s, "docker-api-proxy").inputs.volumes as { hostPath: string; readOnly: boolean }[]).find(
        (v) => v.hostPath === "/var/run/docker.sock",
      )!;
      sock.readOnly = false;
    });
    expect(found).toEqual([
      expect.stringMatching(
        /^container "docker-api-proxy" mounts allowlisted the container runtime socket .* read-write.*Fix: set readOnly: true/,
      ),
    ]);
  });

  it("the socket for cAdvisor (monitoring.cadvisor.dockerSocket) needs its own allowlist entry", async () => {
    const withSocket = await runStackFile("p3", { monitoring: { cadvisor: { dockerSocket: true } } });
    const found = await violations(withSocket, "container-host-mounts", () => {});
    expect(found).toEqual([
      expect.stringMatching(/^container "cadvisor" mounts the container runtime socket .*allowlist "\/var\/run\/docker.sock" for cadvisor/),
    ]);
  });

  it("the p3 allowlist is what lets the exporters pass", async () => {
    const config = loadPackConfig("p3");
    (config["container-host-mounts"] as { allow: Record<string, string[]> }).allow = {};
    const found = await violations(p3, "container-host-mounts", () => {}, config);
    expect(found.map((m) => m.match(/^container "([^"]+)"/)![1]).sort()).toEqual([
      "alloy",
      "cadvisor",
      "cadvisor",
      "cadvisor",
      "cadvisor",
      "docker-api-proxy",
      "node-exporter",
      "node-exporter",
      "node-exporter",
    ]);
  });
});

describe("container-ports-loopback", () => {
  it("a port on every interface, and one without ip", async () => {
    const found = await violations(p2, "container-ports-loopback", (s) => {
      container(s, "qdrant").inputs.ports[0].ip = "0.0.0.0";
      delete container(s, "qdrant").inputs.ports[1].ip;
    });
    expect(found).toEqual([
      expect.stringMatching(
        /^container "qdrant" publishes host port 6333 -> 6333 on 0\.0\.0\.0, reachable from the network\. Fix: bind it to 127\.0\.0\.1/,
      ),
      expect.stringMatching(/^container "qdrant" publishes host port 6334 -> 6334 on 0\.0\.0\.0 \(no ip: Docker binds every interface\)/),
    ]);
  });

  it("an allowlisted port may bind elsewhere", async () => {
    const config = loadPackConfig("p2");
    (config["container-ports-loopback"] as { allow: Record<string, number[]> }).allow = { "api-gateway": [8000] };
    expect(
      await violations(p2, "container-ports-loopback", (s) => (container(s, "api-gateway").inputs.ports[0].ip = "0.0.0.0"), config),
    ).toEqual([]);
  });
});

describe("container-limits-and-restart", () => {
  it("no memory limit, no restart policy", async () => {
    const found = await violations(p2, "container-limits-and-restart", (s) => {
      delete container(s, "embedding").inputs.memory;
      container(s, "embedding").inputs.restart = "no";
    });
    expect(found).toEqual([
      expect.stringMatching(/^container "embedding" has no memory limit/),
      expect.stringMatching(/^container "embedding" has restart policy "no"/),
    ]);
  });

  it("a limit above the stack's ceiling", async () => {
    expect(await violations(p2, "container-limits-and-restart", (s) => (container(s, "inference-code").inputs.memory = 32768))).toEqual([
      expect.stringMatching(/memory limit of 32768 MiB, above the 8192 MiB ceiling/),
    ]);
  });
});

describe("container-delete-before-replace", () => {
  it("a named container with host ports replaced create-first", async () => {
    expect(
      await violations(p2, "container-delete-before-replace", (s) => (container(s, "qdrant").options.deleteBeforeReplace = false)),
    ).toEqual([
      'suite-vectors-qdrant-container has fixed name "qdrant", host port 6333, host port 6334, but deleteBeforeReplace is not set, so a replacement fails on the name or port the old container still holds. ' +
        "Fix: pass { deleteBeforeReplace: true } in its resource options (components/service.ts does).",
    ]);
  });
});
