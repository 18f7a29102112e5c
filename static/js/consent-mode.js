// Google Consent Mode v2. Loaded (synchronously, before any tag manager) only when a
// GTM container is configured. Every consent type starts as "denied"; the visitor's
// stored choice (data attributes set by the server) and later choices update it.
// The tag manager itself is only added to the page once a category is granted.
(function () {
  "use strict";
  var me = document.currentScript;
  var gtmId = me ? me.getAttribute("data-gtm-id") : "";
  var loaded = !!(me && me.getAttribute("data-tag-manager") === "server");

  window.dataLayer = window.dataLayer || [];
  function gtag() {
    window.dataLayer.push(arguments);
  }

  gtag("consent", "default", {
    ad_storage: "denied",
    analytics_storage: "denied",
    ad_user_data: "denied",
    ad_personalization: "denied",
    wait_for_update: 500
  });

  function state(statistics, marketing) {
    var ads = marketing ? "granted" : "denied";
    return {
      analytics_storage: statistics ? "granted" : "denied",
      ad_storage: ads,
      ad_user_data: ads,
      ad_personalization: ads
    };
  }

  function loadTagManager() {
    if (!gtmId || window.__medlemGtmStarted) {
      return;
    }
    window.__medlemGtmStarted = true;
    window.dataLayer.push({ "gtm.start": new Date().getTime(), event: "gtm.js" });
    if (loaded) {
      return; // the server already put the container script in the page
    }
    loaded = true;
    var script = document.createElement("script");
    script.async = true;
    script.src = "https://www.googletagmanager.com/gtm.js?id=" + encodeURIComponent(gtmId);
    document.head.appendChild(script);
  }

  function update(statistics, marketing) {
    gtag("consent", "update", state(statistics, marketing));
    if (statistics || marketing) {
      loadTagManager();
    }
  }

  if (me) {
    var statistics = me.getAttribute("data-statistics") === "granted";
    var marketing = me.getAttribute("data-marketing") === "granted";
    if (statistics || marketing) {
      update(statistics, marketing);
    }
  }

  window.medlemConsentMode = { update: update };
})();
