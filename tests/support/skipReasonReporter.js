/**
 * Jest's summary only counts skipped suites. Suites that skip for a missing server or browser say why
 * in their title ("… (skipped: set MONGODB_URL to run)"); this reporter prints those titles at the end.
 */
export default class SkipReasonReporter {
  onRunComplete(_contexts, results) {
    const reasons = new Set();
    for (const file of results.testResults) {
      for (const test of file.testResults) {
        if (test.status !== 'pending') continue;
        const title = [...test.ancestorTitles, test.title].find((t) => /\(skipped[:\s]/i.test(t));
        if (title) reasons.add(title);
      }
    }
    if (reasons.size === 0) return;
    process.stdout.write(`\nSkipped on this machine:\n${[...reasons].map((r) => `  - ${r}`).join('\n')}\n`);
  }
}
