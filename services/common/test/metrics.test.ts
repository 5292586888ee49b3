/** The Prometheus text format of counters and histograms. */
import { describe, expect, it } from "vitest";
import { Registry } from "../src/metrics.ts";

describe("Registry.render", () => {
  it("renders counters with HELP/TYPE and escaped label values", () => {
    const registry = new Registry();
    const counter = registry.counter("jobs_total", "Jobs done.", ["kind"]);
    counter.inc({ kind: 'a"b\\c\nd' });
    counter.inc({ kind: "x" }, 2);
    counter.inc({ kind: "x" });
    expect(registry.render()).toBe(
      '# HELP jobs_total Jobs done.\n# TYPE jobs_total counter\njobs_total{kind="a\\"b\\\\c\\nd"} 1\njobs_total{kind="x"} 3\n',
    );
    expect(counter.get({ kind: "x" })).toBe(3);
  });

  it("renders histograms with cumulative buckets, +Inf, _sum and _count", () => {
    const registry = new Registry();
    const histogram = registry.histogram("lat_seconds", "Latency.", ["route"], [0.1, 1]);
    histogram.observe({ route: "/q" }, 0.05);
    histogram.observe({ route: "/q" }, 0.5);
    histogram.observe({ route: "/q" }, 5);
    expect(registry.render()).toBe(
      [
        "# HELP lat_seconds Latency.",
        "# TYPE lat_seconds histogram",
        'lat_seconds_bucket{route="/q",le="0.1"} 1',
        'lat_seconds_bucket{route="/q",le="1"} 2',
        'lat_seconds_bucket{route="/q",le="+Inf"} 3',
        'lat_seconds_sum{route="/q"} 5.55',
        'lat_seconds_count{route="/q"} 3',
        "",
      ].join("\n"),
    );
  });

  it("renders an unlabelled counter without braces", () => {
    const registry = new Registry();
    registry.counter("up_total", "Ups.").inc();
    expect(registry.render()).toContain("\nup_total 1\n");
  });
});
