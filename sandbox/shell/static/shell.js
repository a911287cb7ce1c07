/* The host shell's native side: JS bridge, deep-link and app-link routing, payment sheet, log, dark mode.
   Contract for the framed webview (docs/sandbox.md):
   - bridge partners: window.SandboxBridge.openPayment(transaction_id, amount, callback) is defined on the
     webview's window after each load, then a "bridgeready" event is dispatched on its document (it bubbles to
     window); callback receives {status: "success"|"failure"|"cancel", transaction_id}.
   - deep links: a click on <a href="sandboxpay://…"> or an https app link under /sandbox/app/ is routed here;
     a script navigation cannot be observed from outside, so the webview posts
     window.parent.postMessage({type: "webview:open-url", url}, origin) before (or instead of) setting location. */
(function () {
  "use strict";
  var phone = document.querySelector('[data-testid="shell-phone"]');
  if (!phone) { return; }
  var native = JSON.parse(phone.getAttribute("data-native") || "{}");
  var labels = JSON.parse(phone.getAttribute("data-labels") || "{}");
  var frame = phone.querySelector('[data-testid="shell-webview"]');
  var empty = phone.querySelector('[data-testid="shell-empty"]');
  var sheet = phone.querySelector('[data-testid="shell-sheet"]');
  var sheetFrame = phone.querySelector('[data-testid="shell-sheet-frame"]');
  var logList = document.querySelector('[data-testid="shell-log"]');
  var pending = null;
  var simulateScheme = function () { /* defined with the dark-mode toggle below */ };

  function log(kind, text) {
    if (!logList) { return; }
    var item = document.createElement("li");
    item.setAttribute("data-kind", kind);
    var time = document.createElement("time");
    time.textContent = new Date().toLocaleTimeString();
    var tag = document.createElement("strong");
    tag.textContent = labels[kind] || kind;
    var body = document.createElement("code");
    body.textContent = text;
    item.append(time, " ", tag, " ", body);
    logList.prepend(item);
  }

  function openSheet(transactionId, onDone) {
    pending = { transactionId: transactionId, onDone: onDone };
    sheetFrame.src = native.pay_path + encodeURIComponent(transactionId) + "?via=sheet";
    sheet.hidden = false;
  }

  function closeSheet(result) {
    var done = pending;
    pending = null;
    sheet.hidden = true;
    sheetFrame.removeAttribute("src");
    if (done && done.onDone) { done.onDone(result); }
  }

  function backToWebview(result) {
    // deep-link / app-link partners: the wallet app opens the merchant's signed result URL in the webview
    if (result && result.return_url && frame) {
      log("navigate", result.return_url.split("?")[0]);
      frame.src = result.return_url;
    }
  }

  function routable(url) {
    var parsed;
    try { parsed = new URL(url, window.location.href); } catch (error) { return null; }
    if (parsed.protocol === native.scheme + ":") { return { kind: "deeplink", url: parsed }; }
    if (parsed.origin === window.location.origin && parsed.pathname.indexOf(native.app_link_path) === 0) {
      return { kind: "applink", url: parsed };
    }
    return null;
  }

  function route(url) {
    var found = routable(url);
    if (!found) { return false; }
    log(found.kind, url);
    var transactionId = found.url.searchParams.get("transaction_id");
    if (transactionId) { openSheet(transactionId, backToWebview); }
    return true;
  }

  function injectBridge(win) {
    var bridge = {
      openPayment: function (transactionId, amount, callback) {
        log("bridge", "openPayment(" + JSON.stringify(transactionId) + ", " + JSON.stringify(amount) + ")");
        openSheet(String(transactionId), function (result) {
          var payload = { status: result.status, transaction_id: result.transaction_id };
          log("callback", JSON.stringify(payload));
          if (typeof callback === "function") { callback(payload); }
        });
      }
    };
    win.SandboxBridge = Object.freeze(bridge);
    win.document.dispatchEvent(new win.Event("bridgeready", { bubbles: true }));
  }

  function onWebviewLoad() {
    var win;
    try { win = frame.contentWindow; void win.document.body; } catch (error) { return; }  // not our origin
    log("navigate", win.location.pathname);
    win.document.addEventListener("click", function (event) {
      var link = event.target && event.target.closest ? event.target.closest("a[href]") : null;
      if (link && routable(link.getAttribute("href"))) {
        event.preventDefault();
        route(link.getAttribute("href"));
      }
    }, true);
    simulateScheme(win.document);
    if (native.handoff === "bridge") { injectBridge(win); }
    sendWebBar(win);
  }

  window.addEventListener("message", function (event) {
    if (event.origin !== window.location.origin || !event.data || typeof event.data !== "object") { return; }
    if (event.data.type === "webview:open-url" && frame && event.source === frame.contentWindow) {
      route(String(event.data.url || ""));
    } else if (event.data.type === "sandbox:payment-done" && event.source === sheetFrame.contentWindow) {
      closeSheet({ status: event.data.status, transaction_id: event.data.transaction_id,
                   return_url: event.data.return_url });
    }
  });

  if (frame) {
    frame.addEventListener("load", onWebviewLoad);
    phone.querySelector('[data-testid="shell-back"]').addEventListener("click", function () {
      try { frame.contentWindow.history.back(); } catch (error) { /* nothing to go back to */ }
    });
    phone.querySelector('[data-testid="shell-close"]').addEventListener("click", function () {
      frame.remove();
      frame = null;
      empty.hidden = false;
      log("closed", "");
    });
  }
  sheetFrame.addEventListener("load", function () {
    try { simulateScheme(sheetFrame.contentDocument); } catch (error) { /* foreign */ }
  });
  phone.querySelector('[data-testid="shell-sheet-close"]').addEventListener("click", function () {
    var transactionId = pending ? pending.transactionId : null;
    closeSheet({ status: "cancel", transaction_id: transactionId, return_url: null });
  });

  var scheme = document.querySelector('[data-testid="shell-scheme"]');
  var darkMode = false;
  var DARK = /prefers-color-scheme\s*:\s*dark/;
  var LIGHT = /prefers-color-scheme\s*:\s*light/;

  simulateScheme = function (doc) {
    // The OS setting cannot be changed for one frame, so rewrite the framed page's own colour-scheme media
    // rules (CSSOM, same origin): dark rules apply to everything, light rules to nothing, and back again.
    var sheets;
    try { sheets = Array.from(doc.styleSheets); } catch (error) { return; }
    sheets.forEach(function (sheetObject) {
      var rules;
      try { rules = Array.from(sheetObject.cssRules); } catch (error) { return; }
      rules.forEach(function (rule) {
        if (!rule.media) { return; }
        if (rule.sbOriginalMedia === undefined) { rule.sbOriginalMedia = rule.media.mediaText; }
        var original = rule.sbOriginalMedia;
        if (DARK.test(original)) { rule.media.mediaText = darkMode ? "all" : original; }
        else if (LIGHT.test(original)) { rule.media.mediaText = darkMode ? "not all" : original; }
      });
    });
    doc.documentElement.style.colorScheme = darkMode ? "dark" : "";
    if (doc.documentElement.classList.contains("sb-doc")) {
      doc.documentElement.setAttribute("data-scheme", darkMode ? "dark" : "light");
    }
  };

  function applyScheme(dark) {
    darkMode = dark;
    document.documentElement.setAttribute("data-scheme", dark ? "dark" : "light");
    scheme.setAttribute("aria-pressed", dark ? "true" : "false");
    phone.querySelectorAll("iframe").forEach(function (each) {
      try { if (each.contentDocument) { simulateScheme(each.contentDocument); } } catch (error) { /* foreign */ }
    });
    try { window.localStorage.setItem("sandbox-scheme", dark ? "dark" : "light"); } catch (error) { /* private */ }
  }
  if (scheme) {
    scheme.hidden = false;
    var stored = null;
    try { stored = window.localStorage.getItem("sandbox-scheme"); } catch (error) { stored = null; }
    applyScheme(stored === "dark");
    scheme.addEventListener("click", function () { applyScheme(scheme.getAttribute("aria-pressed") !== "true"); });
  }

  // The native header above the frame is the partner app's: the toggle tells the webview (bridge message
  // "webview:web-bar") to hide its own bar, and says it again after every page load as a native app would.
  var webBarToggle = document.querySelector('[data-testid="shell-web-bar-toggle"]');
  var webBarSignal = null;  // null: never sent, so the launch option (web_bar) decides
  function sendWebBar(win) {
    if (!webBarSignal || !win) { return; }
    win.postMessage({ type: "webview:web-bar", web_bar: webBarSignal }, window.location.origin);
    log("bridge", "webview:web-bar " + webBarSignal);
  }
  if (webBarToggle) {
    webBarToggle.hidden = false;
    webBarToggle.addEventListener("click", function () {
      webBarSignal = webBarToggle.getAttribute("aria-pressed") === "true" ? "show" : "hide";
      webBarToggle.setAttribute("aria-pressed", webBarSignal === "hide" ? "true" : "false");
      try { if (frame) { sendWebBar(frame.contentWindow); } } catch (error) { /* foreign */ }
    });
  }

  var newUser = document.querySelector('[data-testid="shell-new-user"]');
  if (newUser) {
    newUser.hidden = false;
    newUser.addEventListener("click", function () {
      var input = document.querySelector('[data-testid="shell-identify-code"]');
      var bytes = new Uint8Array(4);
      window.crypto.getRandomValues(bytes);
      input.value = "qa-" + Array.from(bytes, function (b) { return b.toString(16).padStart(2, "0"); }).join("");
      input.focus();
    });
  }
}());
