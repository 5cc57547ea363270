/* Étal's only script: the PIN keypad and the "connection lost" banner (CSP: no inline code). */
document.addEventListener("click", function (event) {
  var key = event.target.closest(".key[data-key]");
  if (!key) return;
  var pad = key.closest(".keypad");
  var input = document.getElementById(pad.dataset.target);
  if (key.dataset.key === "back") input.value = input.value.slice(0, -1);
  else if (input.value.length < 8) input.value += key.dataset.key;
  input.focus();
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
