// The cookie choice without a page reload. Without JavaScript the same forms post
// normally and the server redirects back; nothing here is needed for that to work.
(function () {
  "use strict";

  function announce(message) {
    var status = document.getElementById("consent-status");
    if (status && message) {
      status.textContent = "";
      window.setTimeout(function () {
        status.textContent = message;
      }, 50);
    }
  }

  function applyToForms(state) {
    document.querySelectorAll("form[data-consent-form]").forEach(function (form) {
      var statistics = form.querySelector("input[name=statistics]");
      var marketing = form.querySelector("input[name=marketing]");
      if (statistics) statistics.checked = !!state.statistics;
      if (marketing) marketing.checked = !!state.marketing;
    });
    document.querySelectorAll("[data-consent-current]").forEach(function (el) {
      el.hidden = true;
    });
  }

  function fallback(form, submitter) {
    // Something went wrong with the script route: post the form the ordinary way.
    var input = document.createElement("input");
    input.type = "hidden";
    input.name = submitter.name;
    input.value = submitter.value;
    form.appendChild(input);
    form.submit();
  }

  function setUp(form) {
    var customize = form.querySelector("[data-consent-customize]");
    var choices = form.querySelector("[data-consent-choices]");
    if (customize && choices) {
      customize.addEventListener("click", function (event) {
        event.preventDefault();
        choices.hidden = !choices.hidden;
        customize.setAttribute("aria-expanded", choices.hidden ? "false" : "true");
        if (!choices.hidden) {
          var first = choices.querySelector("input:not([disabled])");
          if (first) first.focus();
        }
      });
    }

    form.addEventListener("submit", function (event) {
      var submitter = event.submitter;
      if (!window.fetch || !window.FormData || !submitter || !submitter.name) {
        return;
      }
      event.preventDefault();
      var data = new FormData(form);
      data.append(submitter.name, submitter.value);
      var buttons = form.querySelectorAll("button");
      buttons.forEach(function (b) { b.disabled = true; });
      fetch(form.action, {
        method: "POST",
        body: data,
        credentials: "same-origin",
        headers: {
          Accept: "application/json",
          "X-CSRFToken": data.get("csrfmiddlewaretoken") || ""
        }
      })
        .then(function (response) {
          if (!response.ok) {
            throw new Error("consent " + response.status);
          }
          return response.json();
        })
        .then(function (state) {
          buttons.forEach(function (b) { b.disabled = false; });
          if (window.medlemConsentMode) {
            window.medlemConsentMode.update(state.statistics, state.marketing);
          }
          if (state.reload) {
            // A tag manager already running cannot be unloaded: start a clean page.
            window.location.reload();
            return;
          }
          applyToForms(state);
          var banner = form.closest("[data-consent-banner]");
          if (banner) {
            banner.hidden = true;
            var main = document.getElementById("main");
            if (main) main.focus();
          }
          announce(state.message);
        })
        .catch(function () {
          buttons.forEach(function (b) { b.disabled = false; });
          fallback(form, submitter);
        });
    });
  }

  function init() {
    document.querySelectorAll("form[data-consent-form]").forEach(setUp);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
