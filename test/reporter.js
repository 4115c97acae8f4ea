// npm test's reporter: node's spec reporter (one line per test, failures listed again at the end), with the
// run's counts moved after that list, both as spec shows them ("ℹ pass N") and as the TAP reporter ends
// ("# pass N"), so the last lines are the counts a CI reader parses.

import { spec } from 'node:test/reporters';

const COUNT = /^(tests|suites|pass|fail|cancelled|skipped|todo|duration_ms) [\d.]+$/;

export default async function* reporter(source) {
  const human = new spec();
  const out = [];
  human.on('data', (chunk) => out.push(chunk));
  const counts = [];
  for await (const event of source) {
    // the run's counts are diagnostics of nesting 0 that spec prints before its list of failures
    if (event.type === 'test:diagnostic' && event.data.nesting === 0 && COUNT.test(event.data.message)) counts.push(event.data.message);
    else human.write(event);
    yield* out.splice(0);
  }
  human.end();
  await new Promise((resolve) => human.once('end', resolve).resume());
  yield* out.splice(0);
  if (counts.length > 0) yield `\n${counts.map((line) => `ℹ ${line}`).join('\n')}\n${counts.map((line) => `# ${line}`).join('\n')}\n`;
}
