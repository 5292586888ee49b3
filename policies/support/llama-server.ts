/** Recognising a llama.cpp server container and recovering the llama-server argv it runs. */
import { parseImageRef } from "../../lib/images";
import type { ContainerView } from "./container-view";

/** True for any ggml-org/ggerganov llama.cpp image. */
export function isLlamaCppImage(ref: string | undefined): boolean {
  return ref !== undefined && parseImageRef(ref).repository.endsWith("llama.cpp");
}

/** llama.cpp CUDA builds are tagged server-cuda[-b<N>], full-cuda, light-cuda...; `server`, `server-b<N>`, `-vulkan` are not. */
export function isLlamaCppCudaImage(ref: string | undefined): boolean {
  return isLlamaCppImage(ref) && /(^|-)cuda(\d*)?(-|$)/.test(parseImageRef(ref!).tag ?? "");
}

const isServerBinary = (token: string | undefined) => token !== undefined && /(^|\/)llama-server$/.test(token);

/**
 * The llama-server arguments the container runs, or undefined when it does not
 * run llama-server: the image's entrypoint is llama-server for `server*` tags;
 * an explicit entrypoint or a command naming the binary also counts, and so
 * does a command that loads a .gguf model.
 */
export function llamaServerArgv(c: ContainerView): string[] | undefined {
  const command = (c.props.command ?? []).filter((t): t is string => typeof t === "string");
  const entrypoint = (c.props.entrypoints ?? []).filter((t): t is string => typeof t === "string");
  const binaryAt = entrypoint.findIndex(isServerBinary);
  if (binaryAt >= 0) return [...entrypoint.slice(binaryAt + 1), ...command];
  if (isServerBinary(command[0])) return command.slice(1);
  const tag = c.imageRef ? (parseImageRef(c.imageRef).tag ?? "") : "";
  if (isLlamaCppImage(c.imageRef) && tag.startsWith("server") && entrypoint.length === 0) return command;
  const loadsGguf = command.some(
    (t, i) => /^(-m|--model)=.*\.gguf$/i.test(t) || (/\.gguf$/i.test(t) && ["-m", "--model"].includes(command[i - 1] ?? "")),
  );
  return loadsGguf ? command : undefined;
}
