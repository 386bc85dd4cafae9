(function () {
  "use strict";
  var box = document.getElementById("only-violations");
  var filter = document.getElementById("filter");
  var status = document.getElementById("filter-status");
  if (!box || !filter || !status) {
    return;
  }
  var items = document.querySelectorAll("[data-status]");
  var targets = document.querySelectorAll("article[data-status]");
  function apply(only) {
    var shown = 0;
    for (var i = 0; i < items.length; i++) {
      items[i].hidden = only && items[i].getAttribute("data-status") !== "violation";
    }
    for (var j = 0; j < targets.length; j++) {
      if (!targets[j].hidden) {
        shown++;
      }
    }
    document.documentElement.classList.toggle("only-violations", only);
    var total = targets.length;
    status.textContent = only
      ? "Showing " + shown + " of " + total + (total === 1 ? " target" : " targets") +
        ": only those in violation."
      : "Showing all " + total + (total === 1 ? " target." : " targets.");
  }
  function wanted() {
    return location.hash === "#only-violations" ||
      /(^|[?&])only=violations(&|$)/.test(location.search.slice(1));
  }
  filter.hidden = false;
  box.checked = wanted();
  apply(box.checked);
  box.addEventListener("change", function () {
    apply(box.checked);
    try {
      history.replaceState(null, "", box.checked ? "#only-violations" : location.pathname + location.search);
    } catch (e) {
      /* some mail viewers forbid history changes; the filter works without them */
    }
  });
  window.addEventListener("hashchange", function () {
    if (location.hash === "#only-violations" && !box.checked) {
      box.checked = true;
      apply(true);
    }
  });
})();
