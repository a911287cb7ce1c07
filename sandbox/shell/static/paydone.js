/* The payment page inside the shell's sheet: tell the host app how the payment ended (it closes the sheet). */
(function () {
  "use strict";
  var done = document.querySelector('[data-testid="sandbox-done"]');
  if (!done || window.parent === window) { return; }
  window.parent.postMessage({
    type: "sandbox:payment-done",
    status: done.getAttribute("data-callback-status"),
    transaction_id: done.getAttribute("data-transaction-id"),
    return_url: done.getAttribute("data-return-url") || null
  }, window.location.origin);
}());
