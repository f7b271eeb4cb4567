// The admin area without this file: plain forms and links that work, one page at a time.
// With it: htmx swaps rows and forms in place; this file lets it show the server's answers to
// a refused write (422 invalid, 409 in use), says so when a request fails, and moves the focus
// to the first wrong field of a refused form.
(function () {
  "use strict";

  // Refusals that come with a partial explaining why (409, 422, 429) are swapped like a
  // success by the htmx configuration in base.html; a new answer hides the last failure notice.
  document.addEventListener("htmx:beforeSwap", function () {
    var alert = document.getElementById("admin-alert");
    if (alert) {
      alert.hidden = true;
    }
  });

  function say(kind) {
    var alert = document.getElementById("admin-alert");
    if (!alert) {
      return;
    }
    alert.textContent = document.body.getAttribute("data-" + kind) || "";
    alert.hidden = false;
  }

  document.addEventListener("htmx:responseError", function (event) {
    var status = event.detail.xhr.status;
    if (status === 401) {
      return; // the sign-in page takes over (HX-Redirect)
    }
    say(status === 403 ? "forbidden" : status === 400 ? "expired" : "failed");
  });
  document.addEventListener("htmx:sendError", function () {
    say("failed");
  });

  // A refused form puts the focus on its first wrong field, where its message is read out.
  // (A row opened for editing focuses its first field itself, with autofocus.)
  document.addEventListener("htmx:afterSettle", function (event) {
    var status = event.detail.xhr && event.detail.xhr.status;
    if (status !== 422) {
      return;
    }
    var region = event.detail.elt && event.detail.elt.isConnected ? event.detail.elt : document;
    var invalid = region.querySelector("[aria-invalid='true']") || document.querySelector("[aria-invalid='true']");
    if (invalid) {
      invalid.focus();
    }
  });
})();
