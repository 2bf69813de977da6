/** Part of `npm run build`: validates content/ and writes dist/catalogue.json for fast scans. */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { loadBuiltinContent } from '../src/content/load.js';
import { compileCatalogue, compiledCataloguePath, contentFingerprint } from '../src/content/catalogue.js';

const out = compiledCataloguePath();
const { catalogue, issues } = loadBuiltinContent();
if (issues.length) {
  fs.rmSync(out, { force: true });
  console.warn(
    `build-catalogue: content has ${issues.length} problem(s); not compiled (scans will report them). Run \`npm run check:content\`.`,
  );
} else {
  fs.mkdirSync(path.dirname(out), { recursive: true });
  fs.writeFileSync(out, JSON.stringify(compileCatalogue(catalogue, contentFingerprint())));
  console.log(
    `build-catalogue: ${catalogue.rules.size} rules, ${catalogue.profiles.size} profiles → ${path.relative(process.cwd(), out)}`,
  );
}
