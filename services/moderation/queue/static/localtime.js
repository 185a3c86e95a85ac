// Times are rendered as UTC (text and a machine-readable datetime); this rewrites every
// <time datetime="…" data-local> into the browser's own zone, naming the zone, and keeps the
// UTC time as the tooltip. Without JavaScript the UTC text stays.
(function () {
  "use strict";
  var format = new Intl.DateTimeFormat(undefined, {
    year: "numeric", month: "2-digit", day: "2-digit",
    hour: "2-digit", minute: "2-digit", second: "2-digit",
    hourCycle: "h23", timeZoneName: "short",
  });

  // One layout whatever the locale ("2026-03-01 09:05:00 EST"), so that a column of times
  // lines up and reads the same as the UTC fallback.
  function local(date) {
    var parts = {};
    format.formatToParts(date).forEach(function (p) { parts[p.type] = p.value; });
    return parts.year + "-" + parts.month + "-" + parts.day + " " +
      parts.hour + ":" + parts.minute + ":" + parts.second + " " + parts.timeZoneName;
  }

  function rewrite(root) {
    root.querySelectorAll("time[data-local]").forEach(function (el) {
      var date = new Date(el.getAttribute("datetime"));
      if (isNaN(date.getTime())) return;
      if (!el.title) el.title = el.textContent.trim();
      el.textContent = local(date);
    });
  }

  rewrite(document);
  // Pages that add items later (the live queue) can call this on what they add; it reads
  // the datetime attribute, never the text, so running it twice changes nothing.
  window.moderationLocalTime = rewrite;
})();
