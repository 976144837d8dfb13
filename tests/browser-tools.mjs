// What the Node browser tests need, found or the test skipped: Debian's
// Chromium, puppeteer-core (and axe-core when asked) from the npm packages
// pinned in package.json. Without them a test prints a TAP skip, or fails
// when PP_REQUIRE_BROWSER is set (CI, where build-aux/test installs them).
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';

export function browserTools(sourceRoot, { axe = false } = {}) {
  const require = createRequire(path.resolve(sourceRoot, 'package.json'));
  const chromium = ['/usr/bin/chromium', '/usr/bin/chromium-browser'].find((p) => fs.existsSync(p));
  let puppeteer, axeSource;
  try {
    puppeteer = require('puppeteer-core');
    if (axe) axeSource = fs.readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');
  } catch (e) { /* reported below */ }
  if (chromium && puppeteer && (axeSource || !axe)) return { chromium, puppeteer, axeSource };
  const why = !chromium ? 'chromium is not installed'
    : `puppeteer-core${axe ? ' or axe-core' : ''} is not installed (npm install)`;
  if (process.env.PP_REQUIRE_BROWSER) {
    console.log(`1..1\nnot ok 1 - ${why}, and PP_REQUIRE_BROWSER is set`);
    process.exit(1);
  }
  console.log(`1..1\nok 1 # SKIP ${why} (build-aux/test installs them)`);
  process.exit(0);
}
