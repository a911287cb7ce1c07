/* webview checkout: open the partner's payment screen from the handoff page; poll an order's status on the
   result page. Every value comes from JSON data or data-* attributes; the pages work without this file
   (redirect and deep-link buttons are plain links, the result page refreshes itself). */
(function () {
  "use strict";
  var doc = document;

  // "window.SandboxBridge.openPayment" -> the function and the object it belongs to, or null
  function lookup(path) {
    var parts = String(path || "").split("."), owner = window, target = window, i;
    for (i = parts[0] === "window" ? 1 : 0; i < parts.length; i += 1) {
      if (target === null || target === undefined) { return null; }
      owner = target;
      target = target[parts[i]];
    }
    return typeof target === "function" ? { owner: owner, fn: target } : null;
  }

  function bridge(cfg) {
    var button = doc.querySelector("[data-bridge-open]");
    var missing = doc.querySelector("[data-bridge-missing]");
    var opened = false, finished = false;

    function callback(result) {
      if (finished) { return; }
      finished = true;
      // the result screen reads the order from the server; the callback's status is never trusted
      window.location.assign(cfg.result_url);
    }

    function open(explicit) {
      var found = lookup(cfg.bridge_function);
      if (!found) {
        if (explicit && missing) { missing.hidden = false; }
        return false;
      }
      if (missing) { missing.hidden = true; }
      opened = true;
      found.fn.call(found.owner, cfg.transaction_id, cfg.amount, callback);
      return true;
    }

    if (button) { button.addEventListener("click", function () { open(true); }); }
    if (open(false)) { return; }
    function ready() {
      doc.removeEventListener("bridgeready", ready);
      if (!opened) { open(false); }
    }
    doc.addEventListener("bridgeready", ready);
    setTimeout(function () { if (!opened && missing) { missing.hidden = false; } }, cfg.bridge_timeout_ms || 4000);
  }

  function handoff(cfg) {
    if (cfg.method === "redirect" && cfg.url) {
      window.location.replace(cfg.url);  // back from the partner skips this page
    } else if (cfg.method === "deeplink" && cfg.deeplink) {
      if (window.parent !== window) {
        // a host app that frames us from our own origin routes the link (script navigations are invisible
        // to it); the message never goes to another origin
        window.parent.postMessage({ type: "webview:open-url", url: cfg.deeplink }, window.location.origin);
      }
      window.location.href = cfg.deeplink;
    } else if (cfg.method === "bridge") {
      bridge(cfg);
    }
  }

  function poll(box) {
    var url = box.getAttribute("data-poll");
    var status = box.querySelector("[data-testid=order-status]");
    if (!url || !status || !window.fetch) { return; }
    var shown = ["booking", "payment", "issue"].map(function (name) {
      return status.getAttribute("data-" + name + "-status");
    }).join("/");
    var delay = 2000, started = Date.now();
    function again() {
      if (Date.now() - started > 20 * 60 * 1000) { return; }
      delay = Math.min(Math.round(delay * 1.3), 10000);
      setTimeout(tick, delay);
    }
    function tick() {
      fetch(url, { credentials: "same-origin", cache: "no-store", headers: { Accept: "application/json" } })
        .then(function (response) { return response.ok ? response.json() : null; })
        .then(function (now) {
          if (now && [now.booking_status, now.payment_status, now.issue_status].join("/") !== shown) {
            window.location.reload();
          } else if (!now || !now.final) {
            again();
          }
        }, again);
    }
    setTimeout(tick, delay);
  }

  function init() {
    var data = doc.getElementById("checkout-handoff");
    if (data) {
      try { handoff(JSON.parse(data.textContent)); } catch (error) { /* the buttons still work */ }
    }
    var box = doc.querySelector("[data-poll]");
    if (box) { poll(box); }
  }

  if (doc.readyState === "loading") { doc.addEventListener("DOMContentLoaded", init); } else { init(); }
}());
