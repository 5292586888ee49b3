/** `npm run docs:config`: writes the configuration table generated from the schema into README.md (between the config-table markers). */
import * as fs from "node:fs";
import * as path from "node:path";
import { withConfigTable } from "../lib/config/docs";

const readme = path.resolve(__dirname, "..", "README.md");
const before = fs.readFileSync(readme, "utf8");
const after = withConfigTable(before);
if (after === before) process.stdout.write("README.md: configuration table is up to date\n");
else {
  fs.writeFileSync(readme, after);
  process.stdout.write("README.md: configuration table regenerated from lib/config/schema.ts\n");
}
