'use strict';

// A lab reporter for scripts/test.js: passed, failed and skipped, as lab
// counts them. (lab's json reporter says nothing of a skipped test, so it
// would pass for a passed one.) Used as `-r ./scripts/lab-tally.js -o FILE`.

const internals = {};

exports = module.exports = internals.Reporter = function (options) {

    this.settings = options;
};

internals.Reporter.prototype.start = function () {};

internals.Reporter.prototype.test = function () {};

internals.Reporter.prototype.end = function (notebook) {

    const tally = { passed: 0, failed: 0, skipped: 0, skippedTitles: [] };
    for (const test of notebook.tests) {
        if (test.skipped || test.todo) {
            tally.skipped++;
            tally.skippedTitles.push(test.title);
        }
        else {
            tally[test.err ? 'failed' : 'passed']++;
        }
    }

    this.report(JSON.stringify(tally, null, 2));
};
