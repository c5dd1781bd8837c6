// Filters the tables of every section marked data-filterable: each select or text box with a
// data-filter attribute narrows the rows (a select matches the row's data-* value of the same
// name, the text box any text of the row); groups left without a row are hidden, and folded
// rows are unfolded while a filter is set. Without scripts the page shows every row.
(function () {
  document.querySelectorAll("[data-filterable]").forEach(function (section) {
    var controls = section.querySelectorAll("[data-filter]");
    var rows = section.querySelectorAll("tr[data-row]");
    var groups = section.querySelectorAll(".group");
    var count = section.querySelector(".count");
    var bar = section.querySelector(".filters");
    function apply() {
      var want = [];
      var text = "";
      controls.forEach(function (c) {
        var v = c.value.trim().toLowerCase();
        if (!v) return;
        if (c.dataset.filter === "text") text = v;
        else want.push([c.dataset.filter, v]);
      });
      var active = text !== "" || want.length > 0;
      var shown = 0;
      rows.forEach(function (r) {
        var ok = want.every(function (w) { return (r.dataset[w[0]] || "") === w[1]; });
        if (ok && text) ok = r.textContent.toLowerCase().indexOf(text) >= 0;
        r.hidden = !ok;
        if (ok) shown += 1;
      });
      groups.forEach(function (g) {
        g.hidden = g.querySelector("tr[data-row]:not([hidden])") === null;
        g.querySelectorAll("details.more").forEach(function (d) {
          if (active && !d.open) { d.open = true; d.dataset.unfolded = "1"; }
          if (!active && d.dataset.unfolded) { d.open = false; delete d.dataset.unfolded; }
        });
      });
      if (count) {
        count.textContent = active
          ? shown + " of " + rows.length + " rows match"
          : rows.length + " rows";
      }
    }
    controls.forEach(function (c) { c.addEventListener("input", apply); });
    if (bar) bar.hidden = false;
    apply();
  });
})();
