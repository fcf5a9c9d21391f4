// Start every live explorer on the page: each placeholder names the saved state it shows.
import { mount } from "./explorer.js";

for (const element of document.querySelectorAll(".vaecourse-mount")) {
  mount(element, element.dataset.state).catch((error) => {
    element.textContent = `The explorer could not start: ${error}`;
  });
}
