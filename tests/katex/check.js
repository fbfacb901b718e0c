// Reads [{"tex": ..., "display": bool}, ...] on stdin; typesets each with KaTeX in strict mode
// (throwOnError: true, strict: "error") and prints the failures as JSON: [{"index", "tex", "error"}].
const katex = require("katex");
let input = "";
process.stdin.on("data", (chunk) => { input += chunk; });
process.stdin.on("end", () => {
  const failures = [];
  JSON.parse(input).forEach((fragment, index) => {
    try {
      katex.renderToString(fragment.tex, { displayMode: fragment.display, throwOnError: true, strict: "error" });
    } catch (error) {
      failures.push({ index, tex: fragment.tex, error: String(error.message) });
    }
  });
  process.stdout.write(JSON.stringify(failures));
});
