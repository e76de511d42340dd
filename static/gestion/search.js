// On a phone, the criteria next to the search box start folded, so the results are on the first
// screen (docs/search.md); they stay one tap away. Without JavaScript they are simply open.
(function () {
  if (!window.matchMedia("(max-width: 600px)").matches) return;
  document.querySelectorAll("details[data-fold-on-phone]").forEach(function (d) {
    if (!d.querySelector("[aria-invalid=true]")) d.open = false;
  });
})();
