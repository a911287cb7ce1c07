/* Travel-date calendar (picker.js loads it where a form has [data-cal]): weekday names, Today/Tomorrow, days outside
   min..max disabled. The date input turns into dd/mm/yyyy text (the native one follows the device's locale); the
   server reads both. A check-out ([data-after]) stays after its check-in. */
(function () {
  "use strict";
  var doc = document, form = doc.querySelector("[data-cal]"), lang = doc.documentElement.lang, DAY = 864e5;
  var field, month, sheet = window.wvSheet;
  window.wvCalendar = 1;

  function parse(s) {
    var m = /^(\d{4})-(\d\d)-(\d\d)$/.exec(s || ""), d = /^(\d\d?)\/(\d\d?)\/(\d{4})$/.exec(s || "");
    return m ? Date.UTC(+m[1], m[2] - 1, +m[3]) : d ? Date.UTC(+d[3], d[2] - 1, +d[1]) : null;
  }
  function iso(t) { return new Date(t).toISOString().slice(0, 10); }
  function dmy(t) { return iso(t).split("-").reverse().join("/"); }
  function fmt(t, o) {
    o.timeZone = "UTC";
    var s = new Intl.DateTimeFormat(lang, o).format(t);
    return s[0].toUpperCase() + s.slice(1);
  }
  function make(tag, cls, text, label) {
    var el = doc.createElement(tag);
    el.className = cls || "";
    el.textContent = text || "";
    if (tag === "button") { el.type = "button"; }
    if (label) { el.setAttribute("aria-label", label); }
    return el;
  }
  function attr(name) { return form.getAttribute("data-cal-" + name); }

  var today = parse(form.getAttribute("data-today")), box = make("div", "sheet cal"), inner = make("div", "sheet-in");
  var prev = make("button", "step", "‹", attr("prev")), next = make("button", "step", "›", attr("next"));
  var title = make("h2", "grow"), head = make("div", "cal-head"), chips = make("div", "chips");
  var week = make("div", "cal-grid"), grid = make("div", "cal-grid");
  var chip = [make("button", "chip", attr("today")), make("button", "chip", attr("tomorrow"))];
  var close = make("button", "btn ghost block", attr("close"));
  box.hidden = true;
  box.setAttribute("role", "dialog");
  box.setAttribute("aria-modal", "true");
  box.setAttribute("data-testid", "calendar");
  close.setAttribute("data-sheet-close", "");
  week.setAttribute("aria-hidden", "true");
  title.setAttribute("aria-live", "polite");
  for (var k = 1; k < 8; k += 1) { week.append(make("span", "", fmt(Date.UTC(2024, 0, k), { weekday: "short" }))); }  // Monday first
  head.append(prev, title, next);
  chips.append(chip[0], chip[1]);
  inner.append(head, chips, week, grid, close);
  box.append(inner);
  doc.body.append(box);
  sheet.wire(box);

  function ok(t) { var lo = parse(field.min), hi = parse(field.max); return !(lo && t < lo || hi && t > hi); }
  function pick(t) {
    field.value = dmy(t);
    field.dispatchEvent(new Event("change", { bubbles: true }));
    sheet.close(box);
  }
  function draw() {
    var d = new Date(month), y = d.getUTCFullYear(), m = d.getUTCMonth(), chosen = parse(field.value), t;
    title.textContent = fmt(month, { month: "long", year: "numeric" });
    prev.disabled = !ok(month - DAY);
    next.disabled = !ok(Date.UTC(y, m + 1, 1));
    chip[0].disabled = !ok(today);
    chip[1].disabled = !ok(today + DAY);
    grid.textContent = "";
    for (t = (d.getUTCDay() + 6) % 7; t > 0; t -= 1) { grid.append(make("span")); }
    for (t = month; new Date(t).getUTCMonth() === m; t += DAY) {
      var day = make("button", "day", new Date(t).getUTCDate(), fmt(t, { weekday: "long", day: "numeric", month: "long" }));
      day.value = iso(t);
      day.disabled = !ok(t);
      if (t === chosen) { day.setAttribute("aria-pressed", "true"); }
      if (t === today) { day.setAttribute("aria-current", "date"); }
      grid.append(day);
    }
  }
  function shift(n) { var d = new Date(month); month = Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + n, 1); draw(); }
  function show(input) {
    field = input;
    var d = new Date(parse(input.value) || parse(input.min) || today);
    month = Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1);
    box.setAttribute("aria-label", input.labels[0].textContent);
    draw();
    sheet.open(box, input);
    (grid.querySelector("[aria-pressed]") || chip[0]).focus();
  }

  prev.onclick = function () { shift(-1); };
  next.onclick = function () { shift(1); };
  chip[0].onclick = function () { pick(today); };
  chip[1].onclick = function () { pick(today + DAY); };
  grid.onclick = function (e) { if (e.target.value) { pick(parse(e.target.value)); } };

  form.querySelectorAll("input[data-calendar]").forEach(function (input) {
    var before = doc.getElementById(input.getAttribute("data-after"));
    input.type = "text";
    input.inputMode = "none";  // the sheet, not a keyboard
    input.autocomplete = "off";
    if (parse(input.value)) { input.value = dmy(parse(input.value)); }
    input.addEventListener("click", function () { show(input); });
    function follow() {
      var start = parse(before.value);
      if (start === null) { return; }
      input.min = iso(start + DAY);
      if (!(parse(input.value) > start)) { input.value = dmy(start + DAY); }
    }
    if (before) { before.addEventListener("change", follow); follow(); }
  });
}());
