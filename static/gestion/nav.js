// The main navigation folds behind a "Menu" button on narrow screens (static/gestion/gestion.css).
// Without this script the navigation stays open: the button only appears once it runs.
(function () {
  "use strict";
  var button = document.getElementById("menu-toggle");
  var nav = document.getElementById("mainnav");
  if (!button || !nav) { return; }
  document.documentElement.classList.add("js-nav");
  button.hidden = false;
  button.addEventListener("click", function () {
    var open = button.getAttribute("aria-expanded") === "true";
    button.setAttribute("aria-expanded", open ? "false" : "true");
    nav.classList.toggle("open", !open);
  });
})();
