// Sohoa web: the little behaviour pages need. No framework, no build step; served from /static only
// (the Content-Security-Policy forbids inline scripts).
"use strict";

// Ask before irreversible actions: <button data-confirm="...">
document.addEventListener("click", (event) => {
  const button = event.target.closest("[data-confirm]");
  if (button && !window.confirm(button.dataset.confirm)) {
    event.preventDefault();
  }
});

// Follow a running batch: poll its progress every two seconds, reload with the report when it ends.
function followBatch(box) {
  const bar = box.querySelector("progress");
  const done = box.querySelector("[data-done]");
  const total = box.querySelector("[data-total]");
  const last = box.querySelector("[data-last]");
  const tick = async () => {
    try {
      const response = await fetch(box.dataset.url, { credentials: "same-origin", headers: { Accept: "application/json" } });
      if (response.ok) {
        const p = await response.json();
        if (p.total !== null && p.total !== undefined) {
          bar.max = Math.max(p.total, 1);
          total.textContent = p.total;
        }
        bar.value = p.done || 0;
        done.textContent = p.done || 0;
        last.textContent = p.last || "";
        if (p.finished) {
          window.location.reload();
          return;
        }
      }
    } catch (err) {
      // the server restarting is not the batch failing: keep polling
    }
    window.setTimeout(tick, 2000);
  };
  window.setTimeout(tick, 1000);
}

document.addEventListener("DOMContentLoaded", () => {
  const box = document.getElementById("batch-progress");
  if (box && box.dataset.running === "1") {
    followBatch(box);
  }
});
