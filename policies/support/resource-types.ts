import { SERVICE_LABEL, VRAM_MIB_LABEL } from "../../lib/plan/define-service";

/** Pulumi type tokens the pack looks at (compared as strings: the pack does not load @pulumi/docker at run time). */
export const CONTAINER = "docker:index/container:Container";
export const REMOTE_IMAGE = "docker:index/remoteImage:RemoteImage";
export const BUILT_IMAGE = "docker:index/image:Image";
export const RANDOM_PASSWORD = "random:index/randomPassword:RandomPassword";

/** Label the program puts on every container: the reference service name (also its DNS alias). */
export { SERVICE_LABEL };
/**
 * Optional label on a GPU container that does not run llama-server (e.g. the DCGM
 * exporter): the VRAM in MiB it holds on each GPU it requests.
 */
export const VRAM_CLAIM_LABEL = VRAM_MIB_LABEL;
