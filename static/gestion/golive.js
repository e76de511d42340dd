// The go-live date picker: only the days the rules allow (golive.rules; the server checks again).
(function () {
  "use strict";
  const input = document.getElementById("id_switch_date");
  if (!input) return;
  const allowed = new Set(JSON.parse(input.dataset.allowed || "[]"));
  const refusals = JSON.parse(input.dataset.refusals || "{}");
  const out = document.querySelector("[data-testid=date-refusal]");
  function check() {
    const day = input.value;
    let message = "";
    if (day && !allowed.has(day)) message = refusals[day] || input.dataset.refusedDefault;
    input.setCustomValidity(message);
    out.textContent = message;
    return !message;
  }
  input.addEventListener("input", check);
  input.addEventListener("change", check);
  document.querySelectorAll("button.day").forEach(function (button) {
    button.addEventListener("click", function () {
      input.value = button.dataset.day;
      check();
    });
  });
  input.form.addEventListener("submit", function (event) {
    if (!check()) { event.preventDefault(); input.reportValidity(); }
  });
})();
