/* Booking forms: sheets, the passenger picker, dd/mm/yyyy typing, and datepicker.js loaded where a form asks for
   it. Without this file the plain selects and inputs work. */
(function () {
  "use strict";
  var doc = document, opener = null;

  function all(root, selector) { return Array.prototype.slice.call(root.querySelectorAll(selector)); }

  // Bottom sheet: Escape, the backdrop or [data-sheet-close] closes it; focus goes back to its opener.
  function openSheet(sheet, from) {
    opener = from || doc.activeElement;
    sheet.hidden = false;
    doc.documentElement.classList.add("sheet-open");
    if (opener.setAttribute) { opener.setAttribute("aria-expanded", "true"); }
    var first = sheet.querySelector("button:not([disabled])");
    if (first) { first.focus(); }
  }
  function closeSheet(sheet) {
    if (sheet.hidden) { return; }
    sheet.hidden = true;
    doc.documentElement.classList.remove("sheet-open");
    if (opener.setAttribute) { opener.setAttribute("aria-expanded", "false"); opener.focus(); }
  }
  function wireSheet(sheet) {
    sheet.addEventListener("click", function (e) {
      if (e.target === sheet || e.target.closest("[data-sheet-close]")) { closeSheet(sheet); }
    });
    sheet.addEventListener("keydown", function (e) { if (e.key === "Escape") { closeSheet(sheet); } });
  }
  window.wvSheet = { open: openSheet, close: closeSheet, wire: wireSheet };

  // Passengers: one row and a sheet of +/- counters over the three selects, which stay the form's values (visually
  // hidden, still settable). The server's rules: 1+ adult, adults + children <= max, infants <= adults.
  function passengers(box) {
    var sheet = box.querySelector("[data-sheet]"), row = box.querySelector("[data-pax-open]");
    var selects = box.querySelector("[data-pax-selects]"), max = +box.getAttribute("data-max");
    var rows = all(sheet, "[data-count]"), text = box.querySelector("[data-pax-text]");
    function select(name) { return box.querySelector("select[name=" + name + "]"); }
    function value(name) { return +select(name).value; }
    function words(counter, n) {
      return counter.getAttribute(n === 1 ? "data-one" : "data-many").replace(/\d+/, n);
    }
    function render() {
      var a = value("adults"), c = value("children"), i = value("infants"), parts = [];
      var limits = { adults: [Math.max(1, i), max - c], children: [0, max - a], infants: [0, a] };
      rows.forEach(function (counter) {
        var name = counter.getAttribute("data-count"), n = value(name), buttons = all(counter, "button");
        counter.querySelector("output").textContent = n;
        buttons[0].disabled = n <= limits[name][0];
        buttons[1].disabled = n >= limits[name][1];
        if (n || name === "adults") { parts.push(words(counter, n)); }
      });
      text.textContent = parts.join(", ");
    }
    rows.forEach(function (counter) {
      all(counter, "button").forEach(function (button) {
        button.addEventListener("click", function () {
          var s = select(counter.getAttribute("data-count"));
          s.value = String(+s.value + +button.getAttribute("data-step"));
          s.dispatchEvent(new Event("change", { bubbles: true }));
        });
      });
    });
    selects.addEventListener("change", render);
    selects.classList.add("sr");
    selects.setAttribute("aria-hidden", "true");
    all(selects, "select").forEach(function (s) { s.tabIndex = -1; });
    box.querySelector("[data-pax-hint]").hidden = true;
    row.hidden = false;
    row.addEventListener("click", function () { openSheet(sheet, row); });
    wireSheet(sheet);
    render();
  }

  // dd/mm/yyyy: slashes appear as the digits are typed; ISO (yyyy-...) and hand-typed 1/2/1990 are left alone.
  function dayMonthYear(input) {
    input.addEventListener("input", function (e) {
      var v = input.value, parts = v.split("/");
      if ((e.inputType || "").indexOf("delete") === 0 || !/^[\d/]*$/.test(v)) { return; }
      if (parts.slice(0, -1).some(function (p) { return p.length !== 2; })) { return; }
      var d = v.replace(/\D/g, "").slice(0, 8);
      input.value = d.slice(0, 2) + (d.length > 2 ? "/" + d.slice(2, 4) : "") + (d.length > 4 ? "/" + d.slice(4) : "");
    });
  }

  function init() {
    all(doc, "[data-pax]").forEach(passengers);
    all(doc, "[data-day-month-year]").forEach(dayMonthYear);
    var form = doc.querySelector("[data-cal]");
    if (form) { doc.head.appendChild(doc.createElement("script")).src = form.getAttribute("data-cal"); }
  }

  if (doc.readyState === "loading") { doc.addEventListener("DOMContentLoaded", init); } else { init(); }
}());
