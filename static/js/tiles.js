// Tile symbols: an emoji that no installed font can draw shows as an empty box (a Raspberry
// Pi's kiosk, a browser without a colour emoji font). Such a tile, or one without any emoji,
// shows the product's initials instead (data-initials, made by the server).
(function () {
  "use strict";
  var SIZE = 40;
  var context = null;
  var missing = null;

  function pixels(text) {
    context.clearRect(0, 0, SIZE, SIZE);
    context.fillText(text, 2, 2);
    return context.getImageData(0, 0, SIZE, SIZE).data;
  }

  function same(a, b) {
    for (var i = 0; i < a.length; i += 1) {
      if (a[i] !== b[i]) return false;
    }
    return true;
  }

  function empty(data) {
    for (var i = 3; i < data.length; i += 4) {
      if (data[i] !== 0) return false;
    }
    return true;
  }

  // A code point no font has (plane 16, private use): how "cannot draw" looks here.
  function drawable(text) {
    if (!text) return false;
    if (context === null) {
      var canvas = document.createElement("canvas");
      canvas.width = canvas.height = SIZE;
      context = canvas.getContext("2d", { willReadFrequently: true });
      context.font = "32px sans-serif";
      context.textBaseline = "top";
      missing = pixels("\u{10FFFD}");
    }
    var drawn = pixels(text);
    return !empty(drawn) && !same(drawn, missing);
  }

  function check(root) {
    root.querySelectorAll(".tile .emoji[data-initials]").forEach(function (span) {
      if (!drawable(span.textContent.trim())) {
        span.textContent = span.getAttribute("data-initials");
        span.classList.add("initials");
      }
    });
  }

  document.addEventListener("DOMContentLoaded", function () { check(document); });
  document.addEventListener("htmx:load", function (event) { check(event.target); });
})();
