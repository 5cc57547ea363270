/* Étal's only script: the PIN and cash keypads and the "connection lost" banner (CSP: no inline code). */
document.addEventListener("click", function (event) {
  var key = event.target.closest(".key[data-key]");
  if (!key) return;
  var pad = key.closest(".keypad");
  var input = document.getElementById(pad.dataset.target);
  if (key.dataset.key === "back") input.value = input.value.slice(0, -1);
  else if (input.value.length < 8) input.value += key.dataset.key;
  if (!pad.hasAttribute("data-nofocus")) input.focus();  /* no phone keyboard over the cash pad */
});
function setOffline(lost) {
  var banner = document.getElementById("offline");
  if (banner) banner.hidden = !lost;
}
document.addEventListener("htmx:sendError", function () { setOffline(true); });
document.addEventListener("htmx:timeout", function () { setOffline(true); });
document.addEventListener("htmx:afterRequest", function (event) {
  if (event.detail.xhr && event.detail.xhr.status) setOffline(false);
});
document.addEventListener("htmx:configRequest", function (event) {
  event.detail.timeout = event.detail.timeout || 10000;
});
window.addEventListener("offline", function () { setOffline(true); });
window.addEventListener("online", function () { setOffline(false); });
/* Counting pad: +/− next to each coin or note. */
document.addEventListener("click", function (event) {
  var step = event.target.closest("[data-step][data-for]");
  if (!step) return;
  var input = document.getElementById(step.dataset.for);
  var value = Math.max(0, (parseInt(input.value, 10) || 0) + parseInt(step.dataset.step, 10));
  input.value = value || "";
  input.dispatchEvent(new Event("change", { bubbles: true }));
});
/* Setting the till's clock from this tablet's own clock. */
document.addEventListener("submit", function (event) {
  var field = event.target.querySelector("[data-fill-now]");
  if (field) field.value = String(Date.now());
});
/* The accounts' "Imprimer" button. */
document.addEventListener("click", function (event) {
  if (event.target.closest("[data-print]")) window.print();
});
