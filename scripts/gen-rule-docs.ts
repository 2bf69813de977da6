/** Regenerates docs/rules/, docs/facts.md and docs/report-schema.json from content/ and the code. */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { contentDir, loadCatalogue } from '../src/content/load.js';
import { generateDocs } from '../src/content/docs.js';

const repo = path.dirname(contentDir());
const files = generateDocs(loadCatalogue());
fs.rmSync(path.join(repo, 'docs', 'rules'), { recursive: true, force: true });
for (const [rel, text] of files) {
  fs.mkdirSync(path.dirname(path.join(repo, rel)), { recursive: true });
  fs.writeFileSync(path.join(repo, rel), text);
}
console.log(`wrote ${files.size} files`);
