// The phone survey and the poster pages without this file: plain forms and links that work.
// With it: htmx shows the server's inline errors in place, failures are explained, and posters
// get a Print button.
(function () {
  "use strict";

  // The survey answers what cannot be stored with a 4xx and a partial that says why. 409, 410
  // and 422 are swapped by the htmx configuration in base.html; a code that no longer exists
  // (404) is swapped here, for the survey form only.
  function isSurveyForm(element) {
    return element && element.id === "survey-form";
  }

  document.addEventListener("htmx:beforeSwap", function (event) {
    if (isSurveyForm(event.detail.target) && event.detail.xhr.status === 404) {
      event.detail.shouldSwap = true;
      event.detail.isError = false;
    }
  });

  function showFailure(form, kind) {
    var note = form && form.querySelector(".send-failed");
    if (note) {
      note.textContent = note.getAttribute(kind === "expired" ? "data-expired" : "data-failed");
      note.hidden = false;
    }
  }

  // A server error or a dropped connection: the answers stay on the page, and so does the
  // form's response id, so pressing Send again cannot store the response twice.
  document.addEventListener("htmx:responseError", function (event) {
    // Explained refusals never get here: they are swapped, not errors.
    if (isSurveyForm(event.detail.elt)) {
      showFailure(event.detail.elt, event.detail.xhr.status === 400 ? "expired" : "failed");
    }
  });
  document.addEventListener("htmx:sendError", function (event) {
    if (isSurveyForm(event.detail.elt)) {
      showFailure(event.detail.elt, "failed");
    }
  });
  document.addEventListener("htmx:beforeRequest", function (event) {
    var note = isSurveyForm(event.detail.elt) && event.detail.elt.querySelector(".send-failed");
    if (note) {
      note.hidden = true;
    }
  });

  // After a swap, move focus to what changed: the error summary, the thanks or the message.
  document.addEventListener("htmx:afterSettle", function () {
    var target = document.querySelector("#error-summary, #survey-thanks, #survey-message");
    if (target) {
      target.focus();
      target.scrollIntoView({block: "start"});
    }
  });

  // An answered question is no longer in error.
  document.addEventListener("change", function (event) {
    var field = event.target.closest && event.target.closest(".has-error");
    if (!field || !event.target.value) {
      return;
    }
    var message = field.querySelector(".field-error");
    field.classList.remove("has-error");
    field.querySelectorAll("[aria-invalid]").forEach(function (input) {
      input.removeAttribute("aria-invalid");
      var rest = (input.getAttribute("aria-describedby") || "").split(" ").filter(function (id) {
        return id && (!message || id !== message.id);
      });
      if (rest.length) {
        input.setAttribute("aria-describedby", rest.join(" "));
      } else {
        input.removeAttribute("aria-describedby");
      }
    });
    if (message) {
      message.remove();
    }
  });

  // How many questions are answered: the bar at the top of the form (the server wrote it as it
  // was when the page was made; a swapped form brings its own).
  function showProgress(form) {
    var text = form.querySelector("#survey-progress-text");
    var bar = form.querySelector(".survey-progress progress");
    if (!text || !bar) {
      return;
    }
    var answered = form.querySelectorAll(".survey-question input[type='radio']:checked").length;
    bar.value = answered;
    text.textContent = text.getAttribute("data-template").replace("{answered}", String(answered));
  }

  document.addEventListener("change", function (event) {
    var form = event.target.closest && event.target.closest("#survey-form");
    if (form) {
      showProgress(form);
    }
  });

  // Posters: a Print button, shown only where it can work.
  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-print]").forEach(function (button) {
      button.hidden = false;
      button.addEventListener("click", function () {
        window.print();
      });
    });
  });
})();
