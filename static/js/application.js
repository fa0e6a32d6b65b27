// JavaScript only enhances: every page works without it.
import { initAll as initGovuk } from "/static/govuk/govuk-frontend.min.js";
import { initAll as initMoj } from "/static/moj/moj-frontend.min.js";
import { initFilters } from "/static/js/filter.js";
import { initPrintButtons } from "/static/js/print-button.js";

initGovuk();
initMoj();
initFilters();
initPrintButtons();
