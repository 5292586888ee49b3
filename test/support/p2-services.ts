/** The containers the p2 stack runs, in plan order: the reference's six, the embedding server, the healer and its Docker API proxy. */
export const P2_SERVICES = [
  "inference-chat",
  "inference-code",
  "api-gateway",
  "qdrant",
  "embedding-server",
  "embedding",
  "rag",
  "healer",
  "docker-api-proxy",
];
