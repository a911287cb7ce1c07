/* webview: small progressive enhancements; every screen works without this file. */
(function () {
  "use strict";
  var doc = document;

  function each(selector, fn) {
    Array.prototype.forEach.call(doc.querySelectorAll(selector), fn);
  }

  // Name as on ID: uppercase ASCII letters, no diacritics (the server converts too).
  function asciiUpper(value) {
    return value.normalize("NFD").replace(/[\u0300-\u036f]/g, "")
      .replace(/đ/g, "d").replace(/Đ/g, "D")
      .toUpperCase().replace(/\s+/g, " ").trim();
  }

  function pad(n) { return n < 10 ? "0" + n : String(n); }

  function startCountdown(el) {
    var deadline = Date.parse(el.getAttribute("data-deadline"));
    if (isNaN(deadline)) { return; }
    var out = el.querySelector("[data-clock]") || el;
    var warnAt = parseInt(el.getAttribute("data-warn-seconds") || "0", 10);
    function tick() {
      var left = Math.max(0, Math.floor((deadline - Date.now()) / 1000));
      out.textContent = pad(Math.floor(left / 60)) + ":" + pad(left % 60);
      if (left <= warnAt) { el.setAttribute("data-warn", "true"); }
      if (left > 0) { setTimeout(tick, 1000 - (Date.now() % 1000)); return; }
      el.setAttribute("data-expired", "true");
      var note = el.getAttribute("data-expired-text");
      if (note) { out.textContent = note; }
      each("[data-hold-action]", function (b) { b.disabled = true; b.setAttribute("aria-disabled", "true"); });
      each("[data-hide-on-expiry]", function (n) { n.hidden = true; });
      // The status card says what is true now; the reload brings the server's expired order and "Book this again".
      var card = doc.querySelector("[data-testid=order-status]");
      if (card && el.getAttribute("data-expired-title")) {
        card.className = "card status bad";
        card.querySelector("h2").textContent = el.getAttribute("data-expired-title");
        var detail = card.querySelector("p");
        if (detail) { detail.textContent = el.getAttribute("data-expired-detail"); }
        setTimeout(function () { location.reload(); }, 1500);
      }
    }
    tick();
  }

  // A field is checked when the user leaves it (required, e-mail shape) and cleared as soon as typing fixes it,
  // so nothing moves under a tap on the next field; the server stays the authority.
  function checkOnLeave(form) {
    function check(input, clearOnly) {
      var message = "";
      if (input.required && !input.value.trim()) { message = form.getAttribute("data-msg-required"); }
      else if (input.validity && !input.validity.valid) { message = form.getAttribute("data-msg-invalid"); }
      var slot = doc.getElementById(input.id + "-error");
      if (!message) {
        if (slot) { slot.hidden = true; input.removeAttribute("aria-invalid"); }
        return;
      }
      if (clearOnly) { return; }
      if (!slot) {
        slot = doc.createElement("p");
        slot.className = "err"; slot.id = input.id + "-error";
        input.insertAdjacentElement("afterend", slot);
        input.setAttribute("aria-describedby", ((input.getAttribute("aria-describedby") || "") + " " + slot.id).trim());
      }
      slot.textContent = message; slot.hidden = false;
      input.setAttribute("aria-invalid", "true");
    }
    Array.prototype.forEach.call(form.querySelectorAll("input[id]:not([type=hidden]):not([type=radio])"), function (input) {
      input.addEventListener("blur", function () { check(input, false); });
      input.addEventListener("input", function () { check(input, true); });
    });
  }

  // The host app may say that its own header is enough (or no longer is), after any page load:
  //   window.postMessage({type: "webview:web-bar", web_bar: "hide" | "show"}, location.origin)
  // from its native side (evaluateJavascript) or from a parent frame of this origin. Other origins are ignored.
  function listenToHost() {
    window.addEventListener("message", function (event) {
      var data = event.data;
      if (event.origin !== window.location.origin || !data || typeof data !== "object") { return; }
      if (data.type !== "webview:web-bar" || (data.web_bar !== "hide" && data.web_bar !== "show")) { return; }
      if (data.web_bar === "hide") { doc.documentElement.setAttribute("data-web-bar", "hide"); }
      else { doc.documentElement.removeAttribute("data-web-bar"); }
    });
  }
  listenToHost();  // at once, not at DOMContentLoaded: a host that answers early is not missed

  // Copy the order's code; without this file the code is plain text that one tap selects whole (user-select: all).
  function setupCopy(button) {
    var source = doc.getElementById(button.getAttribute("data-copy"));
    var status = doc.querySelector("[data-copy-status]");
    var label = button.textContent;
    if (!source) { return; }
    function done() {
      button.textContent = button.getAttribute("data-copied");
      if (status) { status.textContent = button.getAttribute("data-copied"); }
      setTimeout(function () { button.textContent = label; }, 2000);
    }
    function select() {
      var range = doc.createRange(), selection = window.getSelection();
      range.selectNodeContents(source); selection.removeAllRanges(); selection.addRange(range);
    }
    button.hidden = false;
    button.addEventListener("click", function () {
      var text = source.textContent.trim();
      if (navigator.clipboard && navigator.clipboard.writeText) { navigator.clipboard.writeText(text).then(done, select); return; }
      select();
      try { if (doc.execCommand("copy")) { done(); } } catch (e) { /* the code stays selected: the user copies it */ }
    });
  }

  function init() {
    each("form[data-check-on-leave]", checkOnLeave);
    each("[data-upper-ascii]", function (input) {
      input.addEventListener("change", function () { input.value = asciiUpper(input.value); });
    });
    each("select[data-autosubmit]", function (select) {
      select.addEventListener("change", function () {
        if (select.form.requestSubmit) { select.form.requestSubmit(); } else { select.form.submit(); }
      });
    });
    each("[data-js-hide]", function (el) { el.hidden = true; });
    each("[data-swap]", function (button) {
      button.hidden = false;
      button.addEventListener("click", function () {
        var ids = button.getAttribute("data-swap").split(" ");
        var a = doc.getElementById(ids[0]), b = doc.getElementById(ids[1]);
        var v = a.value; a.value = b.value; b.value = v;
      });
    });
    each("form[data-once]", function (form) {
      form.addEventListener("submit", function (event) {
        if (form.getAttribute("data-sent")) { event.preventDefault(); return; }
        form.setAttribute("data-sent", "1");
        each("form[data-sent] button[type=submit]", function (b) { b.setAttribute("aria-disabled", "true"); });
      });
    });
    each("[data-deadline]", startCountdown);
    each("[data-copy]", setupCopy);
    each("[data-print]", function (button) {
      if (typeof window.print !== "function") { return; }
      button.hidden = false;
      button.addEventListener("click", function () { window.print(); });
    });
    var summary = doc.getElementById("form-errors");
    if (summary) { summary.focus(); }
  }

  if (doc.readyState === "loading") { doc.addEventListener("DOMContentLoaded", init); } else { init(); }
}());
