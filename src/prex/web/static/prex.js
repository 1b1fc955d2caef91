// prex portal: small progressive enhancements; every page works without them.
"use strict";

document.addEventListener("DOMContentLoaded", () => {
  // "Add a section": copy the last section row of the form, emptied.
  for (const button of document.querySelectorAll("[data-add-section]")) {
    const body = button.parentElement.querySelector("[data-section-rows] tbody");
    if (!body) continue;
    button.hidden = false;
    button.addEventListener("click", () => {
      const row = body.lastElementChild.cloneNode(true);
      for (const input of row.querySelectorAll("input")) {
        input.value = "";
        input.removeAttribute("aria-invalid");
      }
      body.appendChild(row);
      row.querySelector("input").focus();
    });
  }
  // Invitees matter only for an invited tender: show the field when that method is chosen.
  for (const select of document.querySelectorAll("select[data-method]")) {
    const field = select.form.querySelector("[data-invitees]");
    if (!field) continue;
    const sync = () => { field.hidden = select.value !== "invited"; };
    select.addEventListener("change", sync);
    sync();
  }
  // The field a refusal names gets the focus, so the reader lands where to correct.
  const invalid = document.querySelector("[aria-invalid=true]");
  if (invalid) {
    const details = invalid.closest("details");
    if (details) details.open = true;
    invalid.focus();
  }
});
