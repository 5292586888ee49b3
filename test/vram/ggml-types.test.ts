import { describe, expect, it } from "vitest";
import { cudaTensorBytes, ggmlType, rowBytes, tensorBytes } from "../../lib/vram/ggml-types";

// Block sizes as ggml documents them (issue #4 and vram-and-policy.md A1).
describe("ggml type sizes", () => {
  it("Q4_K stores 256 elements in 144 bytes (4.5 bpw)", () => {
    expect(rowBytes(ggmlType("q4_k"), 256)).toBe(144);
    expect((ggmlType(12).typeSize * 8) / ggmlType(12).blockSize).toBe(4.5);
  });
  it("Q6_K stores 256 elements in 210 bytes (6.5625 bpw)", () => {
    expect(rowBytes(ggmlType("Q6_K"), 256)).toBe(210);
  });
  it("Q8_0 stores 32 in 34 bytes, Q4_0 32 in 18, F16 2 bytes, F32 4 bytes", () => {
    expect(rowBytes(ggmlType("q8_0"), 32)).toBe(34);
    expect(rowBytes(ggmlType("q4_0"), 32)).toBe(18);
    expect(rowBytes(ggmlType("f16"), 10)).toBe(20);
    expect(rowBytes(ggmlType("f32"), 10)).toBe(40);
  });
  it("multiplies rows by the other dimensions", () => {
    expect(tensorBytes(ggmlType("q4_k"), [512, 3, 2])).toBe(2 * 144 * 6);
  });
  it("refuses rows that are not whole blocks and unknown types", () => {
    expect(() => rowBytes(ggmlType("q4_k"), 100)).toThrow(/not a whole number/);
    expect(() => ggmlType("q9_z")).toThrow(/unknown ggml type/);
  });
  it("pads CUDA allocations: 128-byte alignment, quantized rows to 512 elements", () => {
    expect(cudaTensorBytes(ggmlType("f32"), [10])).toBe(128);
    // 256-element Q4_K row: padded by 256 more elements (144 B) to 288 B, aligned to 384.
    expect(cudaTensorBytes(ggmlType("q4_k"), [256, 1])).toBe(384);
    expect(cudaTensorBytes(ggmlType("q4_k"), [512, 2])).toBe(Math.ceil((2 * 288) / 128) * 128);
  });
});
