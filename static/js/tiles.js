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

  // New tiles (another tablet's sale, a price, the till; after a payment, the tiles it changed)
  // and the cart's parts a tap or a payment sends come out of band and are applied in place:
  // each element stays and takes the new one's attributes and text, so a finger already on a
  // tile or a cart button, or a tap waiting in line behind the one on its way (htmx drops a
  // waiting request whose element has left the page), still lands on it, and the tiles keep
  // their scroll. Only what is new is added (and wired by htmx), only what is gone removed;
  // an element whose htmx attributes changed is replaced.
  function wiring(element) {
    var names = [];
    for (var i = 0; i < element.attributes.length; i += 1) {
      var name = element.attributes[i].name;
      if (name.indexOf("hx-") === 0 || name.indexOf("data-hx-") === 0) {
        names.push(name + "=" + element.attributes[i].value);
      }
    }
    return names.sort().join(" ");
  }

  function takeAttributes(element, fresh) {
    var i, name;
    for (i = element.attributes.length - 1; i >= 0; i -= 1) {
      name = element.attributes[i].name;
      if (!fresh.hasAttribute(name)) element.removeAttribute(name);
    }
    for (i = 0; i < fresh.attributes.length; i += 1) {
      name = fresh.attributes[i].name;
      var value = fresh.attributes[i].value;
      if (name === "class") {  // htmx's own marks (a tap in flight: htmx-request) stay
        value = value.split(" ").concat(Array.prototype.filter.call(element.classList, busy))
          .join(" ");
      }
      if (element.getAttribute(name) !== value) element.setAttribute(name, value);
    }
  }

  function busy(name) {
    return name.indexOf("htmx-") === 0;
  }

  function morph(node, fresh, added) {
    if (node.nodeType !== Node.ELEMENT_NODE) {
      if (node.nodeValue !== fresh.nodeValue) node.nodeValue = fresh.nodeValue;
    } else if (wiring(node) !== wiring(fresh)) {
      node.replaceWith(fresh);
      added.push(fresh);
    } else {
      takeAttributes(node, fresh);
      morphChildren(node, fresh, added);
    }
  }

  function matches(node, fresh) {
    return node.nodeName === fresh.nodeName && (node.id || "") === (fresh.id || "");
  }

  function morphChildren(parent, fresh, added) {
    var byId = {};
    parent.childNodes.forEach(function (child) { if (child.id) byId[child.id] = child; });
    var cursor = parent.firstChild;
    Array.prototype.slice.call(fresh.childNodes).forEach(function (next) {
      var kept = next.id ? byId[next.id] : (cursor && !cursor.id ? cursor : null);
      if (kept && !matches(kept, next)) kept = null;
      if (kept === cursor && kept) {
        cursor = cursor.nextSibling;
      } else if (kept) {
        parent.insertBefore(kept, cursor);  // the order changed (the catalogue's, not a sale)
      } else {
        parent.insertBefore(next, cursor);
        if (next.nodeType === Node.ELEMENT_NODE) added.push(next);
        return;
      }
      if (next.id) delete byId[next.id];
      morph(kept, next, added);
    });
    while (cursor) {
      var gone = cursor;
      cursor = cursor.nextSibling;
      parent.removeChild(gone);
    }
  }

  // A payment tapped again before the first one's answer is the same payment: waiting in line
  // behind it, it is not sent once that cart is paid (its key renewed). The server would
  // record it once anyway (the key); this keeps the sale's change on screen.
  function cartKey() {
    var key = document.querySelector('#cart input[name="key"]');
    return key ? key.value : null;
  }

  document.addEventListener("click", function (event) {
    var pay = event.target.closest && event.target.closest('#cart button[value^="pay:"]');
    if (pay) pay.etalCart = cartKey();  // a property: the tiles' and cart's updates keep it
  }, true);
  document.addEventListener("htmx:confirm", function (event) {
    var pay = event.detail.elt;
    if (pay.etalCart !== undefined && pay.etalCart !== cartKey()) event.preventDefault();
  });

  document.addEventListener("htmx:oobBeforeSwap", function (event) {
    var target = event.detail.target;
    var fresh = event.detail.fragment.firstElementChild;
    if (!fresh || fresh.id !== target.id || !target.closest("#tiles, #cart")) return;
    event.detail.shouldSwap = false;
    var added = [];
    morph(target, fresh, added);
    added.forEach(function (element) { if (element.isConnected) htmx.process(element); });
    check(target.isConnected ? target : document);
  });
})();
