/* The queue refreshes its list every 30 seconds, without ever taking the nurse's work
   away: no refresh while a field of the list has focus or holds something typed or
   chosen; open rows stay open, and the focused row keeps the focus. The page works
   without this script (see the <noscript> refresh in triage.html). A refresh asks with
   ?auto=1, which does not keep an idle session alive: once the session has expired the
   page goes to the sign-in form. */
(function () {
  "use strict";
  document.querySelectorAll("[data-autosubmit]").forEach(function (box) {
    box.addEventListener("change", function () { box.form.submit(); });
  });
  var region = document.getElementById("triage-list");
  if (!region || !window.fetch) { return; }
  var PERIOD = 30000;
  var leaving = false;  // on the way to the sign-in form: one navigation only

  function changed(field) {
    if (field.type === "hidden" || field.type === "submit") { return false; }
    if (field.tagName === "SELECT") {
      // With no option marked selected in the HTML, the first one is the default.
      var initial = Array.prototype.findIndex.call(field.options, function (o) {
        return o.defaultSelected;
      });
      return field.selectedIndex !== Math.max(initial, 0);
    }
    if (field.type === "checkbox" || field.type === "radio") {
      return field.checked !== field.defaultChecked;
    }
    return field.value !== field.defaultValue;
  }

  function editing() {
    var active = document.activeElement;
    if (active && region.contains(active) && /^(INPUT|TEXTAREA|SELECT|BUTTON)$/.test(active.tagName)) {
      return true;
    }
    return Array.prototype.some.call(region.querySelectorAll("input, textarea, select"), changed);
  }

  function refresh() {
    if (leaving || document.hidden || editing()) { return Promise.resolve(); }
    return fetch(region.dataset.refresh, {credentials: "same-origin"}).then(function (response) {
      if (response.redirected) {
        if (!leaving) {
          leaving = true;
          window.location.href = "/web/login?next=" + encodeURIComponent(window.location.pathname);
        }
        return null;
      }
      return response.ok ? response.text() : null;
    }).then(function (html) {
      if (html === null || editing()) { return; }
      var open = Array.prototype.map.call(region.querySelectorAll("details[open][id]"),
                                          function (d) { return d.id; });
      var active = document.activeElement;
      var focused = active && region.contains(active) && active.tagName === "SUMMARY"
        ? active.parentElement.id : null;
      region.innerHTML = html;
      open.forEach(function (id) {
        var details = document.getElementById(id);
        if (details) { details.open = true; }
      });
      if (focused && document.getElementById(focused)) {
        document.getElementById(focused).querySelector("summary").focus();
      }
      var inner = region.querySelector("[data-title]");
      if (inner) { document.title = inner.dataset.title; }
    }).catch(function () { /* offline for a moment: the next period tries again */ });
  }
  window.setInterval(refresh, PERIOD);
  window.suiviRefreshQueue = refresh;  // for the tests
}());
