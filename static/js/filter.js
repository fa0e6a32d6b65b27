// The filter panel of a list (templates/lib/list.html): MoJ Frontend's filter layout and its
// "Show filter" / "Hide filter" button. Without JavaScript the panel is a closed GOV.UK details
// element, so a narrow screen shows the list first. Here the details is opened and its summary
// hidden, and MoJ Frontend's FilterToggleButton shows and hides the panel instead: beside the
// list on a wide screen, over it on a narrow one, where it starts hidden.
import { FilterToggleButton } from "/static/moj/moj-frontend.min.js";

export function initFilters(scope = document) {
  for (const $root of scope.querySelectorAll('[data-module="app-filter"]')) {
    // If the toggle cannot start (an old browser), the panel stays a details element.
    new FilterToggleButton($root, { startHidden: false });
    $root.querySelector(".app-filter-details").open = true;
    $root.classList.add("app-filter--enhanced");
  }
}
