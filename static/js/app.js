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
    function tick() {
      var left = Math.max(0, Math.floor((deadline - Date.now()) / 1000));
      out.textContent = pad(Math.floor(left / 60)) + ":" + pad(left % 60);
      if (left > 0) { setTimeout(tick, 1000 - (Date.now() % 1000)); return; }
      el.setAttribute("data-expired", "true");
      var note = el.getAttribute("data-expired-text");
      if (note) { out.textContent = note; }
      each("[data-hold-action]", function (b) { b.disabled = true; b.setAttribute("aria-disabled", "true"); });
    }
    tick();
  }

  function init() {
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
    var summary = doc.getElementById("form-errors");
    if (summary) { summary.focus(); }
  }

  if (doc.readyState === "loading") { doc.addEventListener("DOMContentLoaded", init); } else { init(); }
}());
