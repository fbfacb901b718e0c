// Material's recipe for KaTeX: render on every page load, instant navigation included.
document$.subscribe(({ body }) => {
  renderMathInElement(body, {
    throwOnError: false,
    delimiters: [
      { left: "$$", right: "$$", display: true },
      { left: "$", right: "$", display: false },
      { left: "\\(", right: "\\)", display: false },
      { left: "\\[", right: "\\]", display: true },
    ],
  });
});
