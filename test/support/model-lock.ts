/** The committed model lock (models.lock.json), as the program and the pack read it. */
import * as path from "node:path";
import { lockFilePath, readLockFile } from "../../lib/ops/models/lock-file";

export const REPO_LOCK_FILE = lockFilePath(path.resolve(__dirname, "../.."));
export const REPO_LOCK = readLockFile(REPO_LOCK_FILE);
