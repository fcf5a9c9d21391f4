// Formulas are out of the Tab order (conf.py), but a display formula wider than the page scrolls, and a
// keyboard user must be able to reach it to scroll it (WCAG 2.1.1; axe's scrollable-region-focusable).
// Only those become Tab stops, named as the formula they hold.
function focusScrollableMath() {
  for (const formula of document.querySelectorAll("mjx-container[display='true']")) {
    if (formula.scrollWidth > formula.clientWidth) {
      formula.setAttribute("tabindex", "0");
      formula.setAttribute("role", "region");
      formula.setAttribute("aria-label", "wide formula, scroll sideways with the arrow keys");
    }
  }
}

window.addEventListener("load", () => {
  if (window.MathJax && MathJax.startup) MathJax.startup.promise.then(focusScrollableMath);
});
