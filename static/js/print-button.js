// Print buttons (templates/includes/print_button.html): hidden in the page's HTML, since
// they need JavaScript, and shown here with the browser's print dialogue behind them.
export function initPrintButtons(scope = document) {
  for (const button of scope.querySelectorAll('[data-module="app-print-button"]')) {
    button.addEventListener("click", () => window.print());
    button.hidden = false;
  }
}
