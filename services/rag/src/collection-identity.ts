/**
 * Which embedding model and dimension made a collection, kept in the
 * collection's own metadata (Qdrant >= 1.16: `metadata` on create, returned
 * in `config.metadata`). Vectors of different models are not comparable, so a
 * collection is only indexed into and searched with the model that made it.
 */
import type { CollectionInfo } from "./qdrant-client.ts";

export interface EmbeddingIdentity {
  model: string;
  dim: number;
}

export const METADATA_MODEL = "embedding_model";
export const METADATA_DIM = "embedding_dim";
export const METADATA_CREATOR = "created_by";
export const CREATOR = "local-ai-suite-rag";

export function identityMetadata(identity: EmbeddingIdentity): Record<string, unknown> {
  return { [METADATA_MODEL]: identity.model, [METADATA_DIM]: identity.dim, [METADATA_CREATOR]: CREATOR };
}

/** The identity recorded in the collection, or undefined when it records none. */
export function recordedIdentity(info: CollectionInfo): EmbeddingIdentity | undefined {
  const model = info.metadata?.[METADATA_MODEL];
  const dim = info.metadata?.[METADATA_DIM];
  return typeof model === "string" && typeof dim === "number" ? { model, dim } : undefined;
}

/** Why `current` may not be used with the collection, or undefined when it may. */
export function identityConflict(info: CollectionInfo, current: EmbeddingIdentity, qdrantUrl: string): string | undefined {
  const reindex =
    `To re-index with ${current.model}: delete the collection (curl -X DELETE ${qdrantUrl}/collections/${info.name}) and POST /index?collection=${info.name} again, ` +
    `or index into a new collection name.`;
  const recorded = recordedIdentity(info);
  if (!recorded) {
    const size = info.vectorSize === undefined ? "unknown-size" : `${info.vectorSize}-dim`;
    return (
      `collection "${info.name}" records no embedding model (it was not made by this RAG service, e.g. by the reference's FastEmbed service), ` +
      `so its ${size} vectors cannot be trusted to match ${current.model} (${current.dim} dims); vectors of different embedding servers differ even for the same model name. ${reindex}`
    );
  }
  if (
    recorded.model !== current.model ||
    recorded.dim !== current.dim ||
    (info.vectorSize !== undefined && info.vectorSize !== current.dim)
  ) {
    return (
      `collection "${info.name}" was indexed with embedding model ${recorded.model} (${recorded.dim} dims), ` +
      `but the embedding service now serves ${current.model} (${current.dim} dims); their vectors cannot be mixed. ${reindex}`
    );
  }
  return undefined;
}
